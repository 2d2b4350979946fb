// The warehouse writer's statements, prepared once per connection. Only storage/ writes SQL for
// the warehouse.
import type Database from 'better-sqlite3';
import type { Rejected } from '../domain/records.ts';

/** Rows per multi-row INSERT of completion lists. */
export const INSERT_ROWS = 32;

export const RECOUNT_QUALIFIED = `
UPDATE batches SET
  qualified_students = (SELECT count(*) FROM students s WHERE s.batch_id = batches.id AND s.completed >= @min),
  updated_at = @now
WHERE qualified_students != (SELECT count(*) FROM students s WHERE s.batch_id = batches.id AND s.completed >= @min)`;

export function prepare(db: Database.Database) {
  return {
    begin: db.prepare('BEGIN'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
    batchById: db.prepare('SELECT name, start_date, created_at FROM batches WHERE id = ?'),
    countsOfBatch: db.prepare('SELECT count(*) AS n, coalesce(sum(completed >= ?), 0) AS q FROM students WHERE batch_id = ?'),
    insertBatch: db.prepare(
      'INSERT INTO batches (id, name, start_date, created_at, student_count, qualified_students, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    updateBatch: db.prepare('UPDATE batches SET name = ?, start_date = ?, created_at = ?, updated_at = ? WHERE id = ?'),
    insertStudent: db.prepare('INSERT OR IGNORE INTO students (id, name, email, batch_id, created_at, completed, qualified_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    insertStudentRow: db.prepare('INSERT INTO students (id, name, email, batch_id, created_at, completed, qualified_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    insertStudentRows: db.prepare(
      `INSERT INTO students (id, name, email, batch_id, created_at, completed, qualified_at) VALUES ${Array(INSERT_ROWS).fill('(?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
    ),
    addStudentToBatch: db.prepare(
      'UPDATE batches SET student_count = student_count + 1, qualified_students = qualified_students + ?, updated_at = ? WHERE id = ?',
    ),
    insertList: db.prepare('INSERT INTO completion_lists (student_id, lessons, times) VALUES (?, ?, ?)'),
    insertLists: db.prepare(`INSERT INTO completion_lists (student_id, lessons, times) VALUES ${Array(INSERT_ROWS).fill('(?, ?, ?)').join(', ')}`),
    countCompletions: db.prepare('SELECT (SELECT count(*) FROM completions) + (SELECT coalesce(sum(length(lessons)), 0) / 8 FROM completion_lists)'),
    allPairs: db.prepare('SELECT student_id, lesson_id FROM completions'),
    allLists: db.prepare('SELECT student_id, lessons, times FROM completion_lists'),
    setCompleted: db.prepare('UPDATE students SET completed = ?, qualified_at = ? WHERE id = ?'),
    setQualifiedAt: db.prepare('UPDATE students SET qualified_at = ? WHERE id = ? AND qualified_at IS NOT ?'),
    studentIds: db.prepare('SELECT id FROM students'),
    studentBatches: db.prepare('SELECT id, batch_id FROM students'),
    bumpQualified: db.prepare('UPDATE batches SET qualified_students = qualified_students + 1, updated_at = ? WHERE id = ?'),
    insertRejected: db.prepare('INSERT OR IGNORE INTO rejected_records (source, reason, raw, seen_at, key) VALUES (?, ?, ?, ?, ?)'),
    setOffset: db.prepare('INSERT OR REPLACE INTO offsets (source, value, updated_at) VALUES (?, ?, ?)'),
    getOffset: db.prepare('SELECT value FROM offsets WHERE source = ?'),
    knownStudentIds: db.prepare(
      // A rejected id past ±2^53 is no number the StudentWatcher counts with: left out, not rounded in.
      `SELECT id FROM students UNION ALL SELECT CAST(key AS INTEGER) AS id FROM rejected_records
       WHERE source = 'students' AND CAST(key AS INTEGER) BETWEEN ${-Number.MAX_SAFE_INTEGER} AND ${Number.MAX_SAFE_INTEGER}`,
    ),
    getMeta: db.prepare('SELECT value FROM meta WHERE key = ?'),
    anyStored: db.prepare(
      `SELECT EXISTS (SELECT 1 FROM offsets) OR EXISTS (SELECT 1 FROM batches) OR EXISTS (SELECT 1 FROM students)
           OR EXISTS (SELECT 1 FROM completion_lists) OR EXISTS (SELECT 1 FROM completions) OR EXISTS (SELECT 1 FROM rejected_records)`,
    ),
    setMeta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
  };
}

export type Statements = ReturnType<typeof prepare>;

/** Stores rejected records, each (source, key) once; returns how many were new. */
export function storeRejected(st: Statements, rows: readonly Rejected[], now: string): number {
  let added = 0;
  for (const r of rows) added += st.insertRejected.run(r.source, r.reason, r.raw, now, r.key).changes;
  return added;
}
