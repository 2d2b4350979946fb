// The warehouse as a whole: `rebuild` writes a computed one in a single transaction, `verify` and
// `top` read it read-only (also while a supervisor writes it: WAL readers see one commit).
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { BatchRow, CompletionSet, ComputedWarehouse, StudentRow } from '../domain/aggregate.ts';
import type { Offsets } from '../domain/offsets.ts';
import type { Rejected, SourceName } from '../domain/records.ts';
import { inspectWarehouse } from './schema.ts';
import type { Warehouse } from './warehouse.ts';
import { WarehouseError, warehouseFault } from './errors.ts';

export type RejectedCounts = Record<SourceName, number>;

export interface WarehouseContents {
  /** By id ascending. */
  batches: BatchRow[];
  /** By id ascending. */
  students: StudentRow[];
  rejected: RejectedCounts;
}

export interface LeaderRow {
  id: number;
  name: string;
  qualified_students: number;
}

export interface SnapshotCounts {
  batches: number;
  students: number;
  completions: number;
  rejected: RejectedCounts;
}

/**
 * Replaces the whole contents of `w` with `snap`, the rejected records and the offsets reached, in
 * ONE transaction: a reader sees the old warehouse or the new one, never a mix, and a crash
 * half-way leaves the old one. Rejected records are stored once per (source, key), as streaming
 * stores them.
 */
export function writeSnapshot(
  w: Warehouse,
  snap: ComputedWarehouse,
  offsets: Offsets,
  rejected: readonly Rejected[],
  completions: CompletionSet = snap.completions,
): SnapshotCounts {
  const db = w.db;
  const now = new Date().toISOString();
  const insertBatch = db.prepare(
    'INSERT INTO batches (id, name, start_date, created_at, student_count, qualified_students, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const insertStudent = db.prepare('INSERT INTO students (id, name, email, batch_id, created_at, completed) VALUES (?, ?, ?, ?, ?, ?)');
  // Distinct pairs (computeWarehouse deduplicates): the table has no key, the writer's index keeps it a set.
  const insertCompletion = db.prepare('INSERT INTO completions (student_id, lesson_id) VALUES (?, ?)');
  w.begin();
  try {
    for (const table of ['batches', 'students', 'completions', 'rejected_records', 'offsets']) db.exec(`DELETE FROM ${table}`);
    for (const b of snap.batches) insertBatch.run(b.id, b.name, b.start_date, b.created_at, b.student_count, b.qualified_students, now);
    for (const s of snap.students) insertStudent.run(s.id, s.name, s.email, s.batch_id, s.created_at, s.completed);
    completions.forEach((student, lesson) => insertCompletion.run(student, lesson));
    w.reject(rejected, now);
    w.setOffset('batches', offsets.batches, now);
    w.setOffset('students', offsets.students, now);
    if (offsets.test_runs !== null) w.setOffset('test_runs', offsets.test_runs, now);
    const counts: SnapshotCounts = {
      batches: snap.batches.length,
      students: snap.students.length,
      completions: completions.size,
      rejected: rejectedCounts(db),
    };
    w.commit();
    return counts;
  } catch (err) {
    w.rollback();
    throw warehouseFault(w.path, err);
  }
}

/**
 * Opens an existing warehouse read-only. Throws WarehouseError naming the path when it is missing,
 * not SQLite, or not a batchboard warehouse of this schema version.
 */
export function openReadOnly(path: string): Database.Database {
  if (!existsSync(path)) throw new WarehouseError(`warehouse ${path} does not exist (name an existing one with --warehouse)`);
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
  } catch (err) {
    throw new WarehouseError(`cannot open warehouse ${path}: ${(err as Error).message}`);
  }
  try {
    inspectWarehouse(db, path, 'reads');
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** The minimum of lessons the warehouse was built with, or undefined when it is absent or has none. */
export function storedMinLessons(path: string): number | undefined {
  if (!existsSync(path)) return undefined;
  const db = openReadOnly(path);
  try {
    const v = db.prepare("SELECT value FROM meta WHERE key = 'min_lessons'").pluck().get() as string | undefined;
    return v === undefined ? undefined : Number(v);
  } finally {
    db.close();
  }
}

/** Everything `verify` compares, read in one read transaction: one committed state. */
export function readWarehouse(path: string): WarehouseContents {
  const db = openReadOnly(path);
  try {
    return db.transaction(() => ({
      batches: db
        .prepare('SELECT id, name, start_date, created_at, student_count, qualified_students FROM batches ORDER BY id')
        .all() as BatchRow[],
      students: db.prepare('SELECT id, name, email, batch_id, created_at, completed FROM students ORDER BY id').all() as StudentRow[],
      rejected: rejectedCounts(db),
    }))();
  } finally {
    db.close();
  }
}

/** CONTRACTS §4's leaderboard query, as written there. */
export function leaderboard(path: string, limit: number): LeaderRow[] {
  const db = openReadOnly(path);
  try {
    return db.prepare('SELECT id, name, qualified_students FROM batches ORDER BY qualified_students DESC, id LIMIT ?').all(limit) as LeaderRow[];
  } finally {
    db.close();
  }
}

function rejectedCounts(db: Database.Database): RejectedCounts {
  const out: RejectedCounts = { batches: 0, students: 0, test_runs: 0 };
  const rows = db.prepare('SELECT source, count(*) AS n FROM rejected_records GROUP BY source').all() as { source: string; n: number }[];
  for (const r of rows) if (Object.hasOwn(out, r.source)) out[r.source as SourceName] = r.n;
  return out;
}
