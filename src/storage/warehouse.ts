// The warehouse's single writer (CONTRACTS §4). Owned by the Aggregator (and by `rebuild`, which
// refuses to run beside a supervisor). Records and the offset they reach are applied in one
// transaction; the aggregates `students.completed`, `batches.student_count` and
// `batches.qualified_students` are kept up to date incrementally inside it, so that every
// committed state is consistent. Applying a record twice changes nothing.
import { existsSync, mkdirSync, rmSync, statfsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Batch, Rejected, SourceName, Student } from '../domain/records.ts';
import { INITIAL_OFFSETS, type Offsets } from '../domain/offsets.ts';
import { inspectWarehouse, SCHEMA, SCHEMA_VERSION } from './schema.ts';
import { WarehouseError, warehouseFault } from './errors.ts';
import { CompletionIndex } from './completion-index.ts';

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
  /** The completions table in memory; loaded on first use, dropped on a rollback. */
  private index: CompletionIndex | null = null;
  /**
   * Each stored student's batch, in memory with the index: with it a completion raises
   * `completed` with a plain UPDATE (UPDATE ... RETURNING cost 3.4 µs a row against 1.3 µs) and
   * students not stored yet cost nothing. `completed` itself is the index's count.
   */
  private batchOf: Map<number, number> | null = null;
  /** Lessons each student gained in this transaction, not yet added to its row (see flushDeltas). */
  private readonly deltas = new Map<number, number>();
  private deltaNow = '';
  private checkpointer: Worker | null = null;

  private constructor(path: string, db: Db, minLessons: number) {
    this.path = path;
    this.db = db;
    this.minLessons = minLessons;
    this.st = prepare(db);
  }

  /** Opens (creating when absent) the warehouse for writing. Throws WarehouseError naming the file. */
  static open(path: string, opts: OpenOptions): Warehouse {
    const existed = existsSync(path);
    const db = connect(path);
    try {
      // Every check reads only: a file refused here is left byte for byte as it was.
      const found = inspectWarehouse(db, path, 'writes');
      if (found === 'warehouse') checkSources(db, path, opts.sources, opts.replaceSources === true);
      useWal(db, path);
      if (found === 'empty') createSchema(db);
      const w = new Warehouse(path, db, opts.minLessons);
      if (w.meta('sources') !== opts.sources) w.setMeta('sources', opts.sources);
      w.useMinLessons(opts.minLessons);
      return w;
    } catch (err) {
      db.close();
      // A warehouse this call began to create (on a full disk, say) is not left half made.
      if (!existed) for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
      throw warehouseFault(path, err);
    }
  }

  get min(): number {
    return this.minLessons;
  }

  begin(): void {
    if (this.inTx) return;
    this.guard(() => this.st.begin.run());
    this.inTx = true;
  }

  commit(): void {
    if (!this.inTx) return;
    this.guard(() => {
      this.flushDeltas();
      this.st.commit.run();
    });
    this.inTx = false;
  }

  /** Runs a write; SQLite's refusals (a full disk, an I/O error) become a WarehouseError naming the file. */
  private guard<T>(write: () => T): T {
    try {
      return write();
    } catch (err) {
      throw warehouseFault(this.path, err);
    }
  }

  rollback(): void {
    if (!this.inTx) return;
    this.inTx = false;
    this.index = null;
    this.batchOf = null;
    this.deltas.clear();
    if (this.db.inTransaction) this.st.rollback.run();
  }

  get inTransaction(): boolean {
    return this.inTx;
  }

  /** Upserts by id, the latest version winning; a new batch starts with its students' counts. */
  applyBatches(batches: readonly Batch[], now: string): number {
    return this.guard(() => this.upsertBatches(batches, now));
  }

  private upsertBatches(batches: readonly Batch[], now: string): number {
    this.flushDeltas();
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
    return this.guard(() => this.insertStudents(students, now));
  }

  private insertStudents(students: readonly Student[], now: string): number {
    // Pending deltas first: a student inserted now starts with every lesson it has, so a delta
    // left for it would count those lessons twice.
    this.flushDeltas();
    let added = 0;
    const index = this.completions();
    for (const s of students) {
      const completed = index.completedBy(s.id);
      if (this.st.insertStudent.run(s.id, s.name, s.email, s.batch_id, s.created_at, completed).changes === 0) continue;
      this.batchOf!.set(s.id, s.batch_id);
      added++;
      this.st.addStudentToBatch.run(completed >= this.minLessons ? 1 : 0, now, s.batch_id);
    }
    return added;
  }

  /**
   * Adds completions given as [student, lesson, student, lesson, ...]; returns how many were new.
   * New pairs are inserted INSERT_ROWS to a statement, and each student's row is raised once per
   * transaction, by all its new lessons, when the transaction commits (or before students or
   * batches are applied in it): per-statement cost was most of the writer's time, and a commit
   * under load holds many completions of few students.
   */
  applyCompletions(pairs: ArrayLike<number>, now: string): number {
    return this.guard(() => this.addCompletions(pairs, now));
  }

  private addCompletions(pairs: ArrayLike<number>, now: string): number {
    const index = this.completions();
    const fresh: number[] = [];
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      const student = pairs[i]!;
      const lesson = pairs[i + 1]!;
      if (!index.add(student, lesson)) continue;
      fresh.push(student, lesson);
      this.deltas.set(student, (this.deltas.get(student) ?? 0) + 1);
    }
    const full = fresh.length - (fresh.length % (2 * INSERT_ROWS));
    for (let i = 0; i < full; i += 2 * INSERT_ROWS) this.st.insertCompletions.run(fresh.slice(i, i + 2 * INSERT_ROWS));
    for (let i = full; i < fresh.length; i += 2) this.st.insertCompletion.run(fresh[i], fresh[i + 1]);
    if (fresh.length > 0) this.deltaNow = now;
    return fresh.length / 2;
  }

  private flushDeltas(): void {
    if (this.deltas.size === 0) return;
    const min = this.minLessons;
    const index = this.completions();
    const batchOf = this.batchOf!;
    for (const [student, k] of this.deltas) {
      const batch = batchOf.get(student);
      if (batch === undefined) continue; // not stored yet: its row starts with all its lessons
      const completed = index.completedBy(student);
      this.st.setCompleted.run(completed, student);
      // Crossed the minimum with these k lessons: one more qualified student in its batch.
      if (completed >= min && completed - k < min) this.st.bumpQualified.run(this.deltaNow, batch);
    }
    this.deltas.clear();
  }

  /**
   * Hands checkpoints to a thread of their own (checkpointer.mjs) instead of running them inside
   * commits. Should that thread fail, SQLite's own checkpoints inside commits come back.
   */
  startCheckpointer(intervalMs = 50, onEvent: (event: string, fields: Record<string, unknown>) => void = () => {}): void {
    if (this.checkpointer !== null) return;
    this.db.pragma('wal_autocheckpoint = 0');
    // Checkpoints beside a busy writer rarely let the WAL start over, so it grows under load;
    // once it does start over, it is cut back to this size.
    this.db.pragma('journal_size_limit = 67108864');
    const w = new Worker(new URL('./checkpointer.mjs', import.meta.url), { workerData: { path: this.path, intervalMs } });
    const fallBack = (why: string): void => {
      if (this.checkpointer !== w) return;
      this.checkpointer = null;
      if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
      onEvent('warehouse.checkpointer_failed', { why });
    };
    w.on('message', (m: { type: string; message?: string }) => {
      if (m.type === 'failed') fallBack(m.message ?? 'failed');
    });
    w.on('error', (err) => fallBack(err.message));
    w.on('exit', (code) => fallBack(`exited with code ${code}`));
    w.unref();
    this.checkpointer = w;
  }

  private completions(): CompletionIndex {
    if (this.index !== null) return this.index;
    const n = this.st.countCompletions.pluck().get() as number;
    const index = new CompletionIndex(n);
    for (const [student, lesson] of this.st.allCompletions.raw().iterate() as IterableIterator<[number, number]>) index.add(student, lesson);
    const batchOf = new Map<number, number>();
    for (const [id, batch] of this.st.studentBatches.raw().iterate() as IterableIterator<[number, number]>) batchOf.set(id, batch);
    this.index = index;
    this.batchOf = batchOf;
    return index;
  }

  /** Stores rejected records, each key once. */
  reject(rows: readonly Rejected[], now: string): number {
    if (rows.length === 0) return 0;
    return this.guard(() => {
      let added = 0;
      for (const r of rows) added += this.st.insertRejected.run(r.source, r.reason, r.raw, now, r.key).changes;
      return added;
    });
  }

  setOffset<S extends SourceName>(source: S, value: Offsets[S], now: string): void {
    this.guard(() => this.st.setOffset.run(source, JSON.stringify(value), now));
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

  /**
   * `start`'s pre-flight: the disk holding the warehouse has room and a commit goes through now, so
   * that a full disk is one line before any actor starts rather than a crash loop after.
   */
  checkWritable(): void {
    let free: number | null = null;
    try {
      const s = statfsSync(dirname(this.path));
      free = s.bavail * s.bsize;
    } catch {
      free = null; // no statfs here: the write below still tells
    }
    if (free !== null && free < MIN_FREE_BYTES) {
      throw new WarehouseError(`the disk holding ${this.path} is full (${free} bytes free): free some space there, then start again`, 'SQLITE_FULL');
    }
    this.guard(() => this.st.setMeta.run('writable_at', new Date().toISOString()));
  }

  /** A PASSIVE checkpoint: copies what it can of the WAL without waiting for readers. */
  checkpoint(): void {
    this.db.pragma('wal_checkpoint(PASSIVE)');
  }

  /** Stops the checkpointer (if any) and closes the connection; the last one out checkpoints the WAL. */
  async close(): Promise<void> {
    this.rollback();
    const w = this.checkpointer;
    this.checkpointer = null;
    if (w !== null) {
      const exited = new Promise((r) => w.once('exit', r));
      w.postMessage('stop');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 500).unref())]);
      await w.terminate();
    }
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

  meta(key: string): string | undefined {
    return (this.st.getMeta.get(key) as { value: string } | undefined)?.value;
  }

  setMeta(key: string, value: string): void {
    this.st.setMeta.run(key, value);
  }
}

/** Less free space than this on the warehouse's disk is a full disk for `start`'s pre-flight. */
const MIN_FREE_BYTES = 1 << 20;

/** Rows per multi-row INSERT of completions (SQLite's default limit is 32,766 parameters). */
const INSERT_ROWS = 64;

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
    insertStudent: db.prepare('INSERT OR IGNORE INTO students (id, name, email, batch_id, created_at, completed) VALUES (?, ?, ?, ?, ?, ?)'),
    addStudentToBatch: db.prepare(
      'UPDATE batches SET student_count = student_count + 1, qualified_students = qualified_students + ?, updated_at = ? WHERE id = ?',
    ),
    insertCompletion: db.prepare('INSERT INTO completions (student_id, lesson_id) VALUES (?, ?)'),
    insertCompletions: db.prepare(`INSERT INTO completions (student_id, lesson_id) VALUES ${Array(INSERT_ROWS).fill('(?, ?)').join(', ')}`),
    countCompletions: db.prepare('SELECT count(*) FROM completions'),
    allCompletions: db.prepare('SELECT student_id, lesson_id FROM completions'),
    setCompleted: db.prepare('UPDATE students SET completed = ? WHERE id = ?'),
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
    counts: db.prepare(
      `SELECT (SELECT count(*) FROM batches) AS batches, (SELECT count(*) FROM students) AS students,
              (SELECT count(*) FROM completions) AS completions, (SELECT count(*) FROM rejected_records) AS rejected`,
    ),
    getMeta: db.prepare('SELECT value FROM meta WHERE key = ?'),
    setMeta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
  };
}

/** A connection that has changed nothing yet: no journal mode, no schema. */
function connect(path: string): Db {
  try {
    mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.pragma('busy_timeout = 5000');
    return db;
  } catch (err) {
    throw new WarehouseError(`cannot open warehouse ${path}: ${(err as Error).message}`);
  }
}

/** A warehouse keeps the offsets of its sources: opened on other sources, it would resume at offsets that mean nothing there. */
function checkSources(db: Db, path: string, sources: string, replace: boolean): void {
  const stored = db.prepare("SELECT value FROM meta WHERE key = 'sources'").pluck().get() as string | undefined;
  if (stored === undefined || replace || stored === sources) return;
  throw new WarehouseError(
    `warehouse ${path} was built from other sources (${stored}); its offsets mean nothing for ${sources}: ` +
      'name another --warehouse, or run batchboard rebuild on this one',
  );
}

function useWal(db: Db, path: string): void {
  try {
    db.pragma('journal_mode = WAL');
    // WAL with synchronous=NORMAL: a commit is durable against a killed process (the WAL is in the
    // OS's cache) and costs no fsync; only a power loss can take the last commits.
    db.pragma('synchronous = NORMAL');
  } catch (err) {
    throw new WarehouseError(`cannot open warehouse ${path}: ${(err as Error).message}`);
  }
}

function createSchema(db: Db): void {
  db.transaction(() => {
    db.exec(SCHEMA);
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('schema_version', String(SCHEMA_VERSION));
  })();
}
