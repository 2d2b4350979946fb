// The warehouse's single writer (CONTRACTS §4). Owned by the Aggregator (and by `rebuild`, which
// refuses to run beside a supervisor). Records and the offset they reach are applied in one
// transaction; the aggregates `students.completed`, `batches.student_count` and
// `batches.qualified_students` are kept up to date incrementally inside it, so that every
// committed state is consistent. Applying a record twice changes nothing.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Batch, Rejected, SourceName, Student } from '../domain/records.ts';
import { INITIAL_OFFSETS, type Offsets } from '../domain/offsets.ts';
import { SCHEMA, SCHEMA_VERSION } from './schema.ts';
import { WarehouseError } from './errors.ts';

export interface OpenOptions {
  minLessons: number;
  /**
   * What the warehouse is built from (e.g. the source paths). A warehouse keeps the offsets of
   * its sources: opened with other sources, it would resume at offsets that mean nothing there.
   */
  sources: string;
  /** `rebuild`: the warehouse is about to be rewritten from these sources, whatever it was built from. */
  replaceSources?: boolean;
}

type Db = Database.Database;

export class Warehouse {
  readonly db: Db;
  readonly path: string;
  private minLessons: number;
  private inTx = false;
  private readonly st: ReturnType<typeof prepare>;

  private constructor(path: string, db: Db, minLessons: number) {
    this.path = path;
    this.db = db;
    this.minLessons = minLessons;
    this.st = prepare(db);
  }

  /** Opens (creating when absent) the warehouse for writing. Throws WarehouseError naming the file. */
  static open(path: string, opts: OpenOptions): Warehouse {
    const db = openWritable(path);
    try {
      migrate(db, path);
      const w = new Warehouse(path, db, opts.minLessons);
      w.checkSources(opts.sources, opts.replaceSources === true);
      w.useMinLessons(opts.minLessons);
      return w;
    } catch (err) {
      db.close();
      throw err;
    }
  }

  get min(): number {
    return this.minLessons;
  }

  begin(): void {
    if (this.inTx) return;
    this.st.begin.run();
    this.inTx = true;
  }

  commit(): void {
    if (!this.inTx) return;
    this.st.commit.run();
    this.inTx = false;
  }

  rollback(): void {
    if (!this.inTx) return;
    this.inTx = false;
    if (this.db.inTransaction) this.st.rollback.run();
  }

  get inTransaction(): boolean {
    return this.inTx;
  }

  /** Upserts by id, the latest version winning; a new batch starts with its students' counts. */
  applyBatches(batches: readonly Batch[], now: string): number {
    let changed = 0;
    for (const b of batches) {
      const old = this.st.batchById.get(b.id) as Pick<Batch, 'name' | 'start_date' | 'created_at'> | undefined;
      if (old === undefined) {
        const c = this.st.countsOfBatch.get(this.minLessons, b.id) as { n: number; q: number };
        this.st.insertBatch.run(b.id, b.name, b.start_date, b.created_at, c.n, c.q, now);
        changed++;
      } else if (old.name !== b.name || old.start_date !== b.start_date || old.created_at !== b.created_at) {
        this.st.updateBatch.run(b.name, b.start_date, b.created_at, now, b.id);
        changed++;
      }
    }
    return changed;
  }

  /** Inserts students not yet stored (rows are never updated at the source, §2). */
  applyStudents(students: readonly Student[], now: string): number {
    let added = 0;
    for (const s of students) {
      const completed = (this.st.completionsOf.get(s.id) as { n: number }).n;
      if (this.st.insertStudent.run(s.id, s.name, s.email, s.batch_id, s.created_at, completed).changes === 0) continue;
      added++;
      this.st.addStudentToBatch.run(completed >= this.minLessons ? 1 : 0, now, s.batch_id);
    }
    return added;
  }

  /** Adds completions given as [student, lesson, student, lesson, ...]; returns how many were new. */
  applyCompletions(pairs: ArrayLike<number>, now: string): number {
    let added = 0;
    const min = this.minLessons;
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      const student = pairs[i]!;
      if (this.st.insertCompletion.run(student, pairs[i + 1]!).changes === 0) continue;
      added++;
      const s = this.st.bumpCompleted.get(student) as { batch_id: number; completed: number } | undefined;
      if (s !== undefined && s.completed === min) this.st.bumpQualified.run(now, s.batch_id);
    }
    return added;
  }

  /** Stores rejected records, each key once. */
  reject(rows: readonly Rejected[], now: string): number {
    let added = 0;
    for (const r of rows) added += this.st.insertRejected.run(r.source, r.reason, r.raw, now, r.key).changes;
    return added;
  }

  setOffset<S extends SourceName>(source: S, value: Offsets[S], now: string): void {
    this.st.setOffset.run(source, JSON.stringify(value), now);
  }

  offset<S extends SourceName>(source: S): Offsets[S] {
    const row = this.st.getOffset.get(source) as { value: string } | undefined;
    return row === undefined ? INITIAL_OFFSETS[source] : (JSON.parse(row.value) as Offsets[S]);
  }

  /** Every student id the warehouse holds, stored or rejected, ascending: what the StudentWatcher has delivered. */
  knownStudentIds(): Float64Array {
    const ids = this.st.knownStudentIds.pluck().all() as number[];
    const out = Float64Array.from(ids);
    return out.sort();
  }

  /** Counts for status lines. */
  counts(): { batches: number; students: number; completions: number; rejected: number } {
    return this.st.counts.get() as { batches: number; students: number; completions: number; rejected: number };
  }

  /** A PASSIVE checkpoint: copies what it can of the WAL without waiting for readers. */
  checkpoint(): void {
    this.db.pragma('wal_checkpoint(PASSIVE)');
  }

  close(): void {
    this.rollback();
    if (this.db.open) this.db.close();
  }

  // The minimum is a property of the stored aggregates: started with another one, every batch's
  // qualified_students is recounted, in one transaction.
  private useMinLessons(min: number): void {
    const stored = this.meta('min_lessons');
    if (stored === String(min)) return;
    this.db.transaction(() => {
      if (stored !== undefined) this.db.prepare(RECOUNT_QUALIFIED).run({ min, now: new Date().toISOString() });
      this.setMeta('min_lessons', String(min));
    })();
  }

  private checkSources(sources: string, replace: boolean): void {
    const stored = this.meta('sources');
    if (stored === undefined || replace) {
      this.setMeta('sources', sources);
      return;
    }
    if (stored !== sources) {
      throw new WarehouseError(
        `warehouse ${this.path} was built from other sources (${stored}); its offsets mean nothing for ${sources}: ` +
          'name another --warehouse, or run batchboard rebuild on this one',
      );
    }
  }

  meta(key: string): string | undefined {
    return (this.st.getMeta.get(key) as { value: string } | undefined)?.value;
  }

  setMeta(key: string, value: string): void {
    this.st.setMeta.run(key, value);
  }
}

const RECOUNT_QUALIFIED = `
UPDATE batches SET
  qualified_students = (SELECT count(*) FROM students s WHERE s.batch_id = batches.id AND s.completed >= @min),
  updated_at = @now
WHERE qualified_students != (SELECT count(*) FROM students s WHERE s.batch_id = batches.id AND s.completed >= @min)`;

function prepare(db: Db) {
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
    completionsOf: db.prepare('SELECT count(*) AS n FROM completions WHERE student_id = ?'),
    insertStudent: db.prepare('INSERT OR IGNORE INTO students (id, name, email, batch_id, created_at, completed) VALUES (?, ?, ?, ?, ?, ?)'),
    addStudentToBatch: db.prepare(
      'UPDATE batches SET student_count = student_count + 1, qualified_students = qualified_students + ?, updated_at = ? WHERE id = ?',
    ),
    insertCompletion: db.prepare('INSERT OR IGNORE INTO completions (student_id, lesson_id) VALUES (?, ?)'),
    bumpCompleted: db.prepare('UPDATE students SET completed = completed + 1 WHERE id = ? RETURNING batch_id, completed'),
    bumpQualified: db.prepare('UPDATE batches SET qualified_students = qualified_students + 1, updated_at = ? WHERE id = ?'),
    insertRejected: db.prepare('INSERT OR IGNORE INTO rejected_records (source, reason, raw, seen_at, key) VALUES (?, ?, ?, ?, ?)'),
    setOffset: db.prepare('INSERT OR REPLACE INTO offsets (source, value, updated_at) VALUES (?, ?, ?)'),
    getOffset: db.prepare('SELECT value FROM offsets WHERE source = ?'),
    knownStudentIds: db.prepare(
      "SELECT id FROM students UNION ALL SELECT CAST(key AS INTEGER) FROM rejected_records WHERE source = 'students'",
    ),
    counts: db.prepare(
      `SELECT (SELECT count(*) FROM batches) AS batches, (SELECT count(*) FROM students) AS students,
              (SELECT count(*) FROM completions) AS completions, (SELECT count(*) FROM rejected_records) AS rejected`,
    ),
    getMeta: db.prepare('SELECT value FROM meta WHERE key = ?'),
    setMeta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
  };
}

function openWritable(path: string): Db {
  try {
    mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    // WAL with synchronous=NORMAL: a commit is durable against a killed process (the WAL is in the
    // OS's cache) and costs no fsync; only a power loss can take the last commits.
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    return db;
  } catch (err) {
    throw new WarehouseError(`cannot open warehouse ${path}: ${(err as Error).message}`);
  }
}

function migrate(db: Db, path: string): void {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
  if (tables.length > 0 && !tables.includes('meta')) {
    throw new WarehouseError(`${path} is an SQLite database but not a batchboard warehouse (it has tables ${tables.join(', ')} and no meta table)`);
  }
  if (tables.includes('meta')) {
    const v = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get() as string | undefined;
    if (v !== String(SCHEMA_VERSION)) {
      throw new WarehouseError(`warehouse ${path} has schema version ${v ?? 'none'}; this batchboard writes version ${SCHEMA_VERSION}`);
    }
    return;
  }
  db.transaction(() => {
    db.exec(SCHEMA);
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('schema_version', String(SCHEMA_VERSION));
  })();
}
