// The warehouse's single writer (CONTRACTS §4). Owned by the Aggregator (and by `rebuild`, which
// refuses to run beside a supervisor). Records and the offset they reach are applied in one
// transaction; the aggregates `students.completed`, `batches.student_count` and
// `batches.qualified_students` are kept up to date incrementally inside it, so that every
// committed state is consistent. Applying a record twice changes nothing.
import { existsSync, rmSync } from 'node:fs';
import type Database from 'better-sqlite3';
import type { Batch, Rejected, SourceName, Student } from '../domain/records.ts';
import type { CompletionSet, ComputedWarehouse } from '../domain/aggregate.ts';
import { INITIAL_OFFSETS, type Offsets } from '../domain/offsets.ts';
import { inspectWarehouse, migrate } from './schema.ts';
import { insertLost, type LostLog } from './history.ts';
import { warehouseFault } from './errors.ts';
import type { Applied, WriteTx } from './writer.ts';
import { Checkpoints, WAL_RESTART_BYTES } from './checkpoints.ts';
import { checkFreeSpace, checkSources, connect, createSchema, useWal } from './connection.ts';
import { prepare, RECOUNT_QUALIFIED, storeRejected, type Statements } from './statements.ts';
import { CompletionDeltas, isoOrNull, loadCompletions, type StoredCompletions } from './completion-writes.ts';
import { writeSnapshot, type SnapshotCounts } from './replace.ts';

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
  private readonly db: Db;
  readonly path: string;
  private minLessons: number;
  private inTx = false;
  private readonly st: Statements;
  /** The stored completions in memory; loaded on first use, dropped on a rollback. */
  private stored: StoredCompletions | null = null;
  /** This transaction's completions, written when it commits (completion-writes.ts). */
  private readonly deltas = new CompletionDeltas();
  private checkpoints: Checkpoints | null = null;
  private readonly pageSize: number;

  private constructor(path: string, db: Db, minLessons: number) {
    this.path = path;
    this.db = db;
    this.minLessons = minLessons;
    this.st = prepare(db);
    this.pageSize = db.pragma('page_size', { simple: true }) as number;
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
      else migrate(db); // an older version (schema.ts MIGRATIONS), after every check
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
    if (this.checkpoints !== null && this.checkpoints.walFrames * this.pageSize > WAL_RESTART_BYTES) this.restartWal();
  }

  /**
   * Copies what is left of the WAL and has the next transaction start it over (checkpoints.ts says
   * why). A reader inside a transaction holds the WAL's frames: the restart does not wait for it
   * (the next commit tries again), and the WAL grows until that reader ends.
   */
  private restartWal(): void {
    this.checkpoints!.walFrames = 0;
    this.db.pragma('busy_timeout = 0');
    try {
      this.db.pragma('wal_checkpoint(RESTART)');
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw warehouseFault(this.path, err);
    } finally {
      this.db.pragma('busy_timeout = 5000');
    }
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
    this.stored = null;
    this.deltas.clear();
    if (this.db.inTransaction) this.st.rollback.run();
  }

  get inTransaction(): boolean {
    return this.inTx;
  }

  /**
   * One transaction of the Aggregator's (writer.ts): its records, lost history and offsets, applied
   * and committed together; rolled back whole when anything fails.
   */
  apply(tx: WriteTx): Applied {
    this.begin();
    try {
      const batches = this.applyBatches(tx.batches, tx.now);
      const students = this.applyStudents(tx.students, tx.now);
      let completions = 0;
      for (const c of tx.completions) completions += this.applyCompletions(c, tx.now);
      const rejected = this.reject(tx.rejected, tx.now);
      if (tx.lost.length > 0) this.recordLost(tx.lost, tx.now);
      for (const source of Object.keys(tx.offsets) as SourceName[]) this.setOffset(source, tx.offsets[source]!, tx.now);
      this.commit();
      return { batches, students, completions, rejected };
    } catch (err) {
      this.rollback();
      throw err;
    }
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
    const { index, batchOf } = this.completions();
    for (const s of students) {
      const completed = index.completedBy(s.id);
      if (this.st.insertStudent.run(s.id, s.name, s.email, s.batch_id, s.created_at, completed, isoOrNull(index.qualifiedAt(s.id))).changes === 0) continue;
      batchOf.set(s.id, s.batch_id);
      added++;
      this.st.addStudentToBatch.run(completed >= this.minLessons ? 1 : 0, now, s.batch_id);
    }
    return added;
  }

  /**
   * Adds completions given as [student, lesson, ms, ...] (ms: the completing run's created_at);
   * returns how many pairs were new. They are written when the transaction commits, or before
   * students or batches are applied in it (completion-writes.ts).
   */
  applyCompletions(pairs: ArrayLike<number>, now: string): number {
    return this.guard(() => this.deltas.add(this.completions().index, pairs, now));
  }

  private flushDeltas(): void {
    if (this.deltas.size > 0) this.deltas.flush(this.st, this.completions());
  }

  /**
   * Hands checkpoints to a thread of their own (checkpoints.ts) instead of running them inside
   * commits. Should that thread fail, SQLite's own checkpoints inside commits come back.
   */
  startCheckpointer(intervalMs = 50, onEvent: (event: string, fields: Record<string, unknown>) => void = () => {}): void {
    this.checkpoints ??= new Checkpoints(this.db, this.path, intervalMs, onEvent);
  }

  /**
   * Loads the completion set now rather than at the first completion: a writer starting (the
   * Aggregator, before it reports ready) takes the seconds a large warehouse needs then, when no
   * heartbeat is due yet, instead of inside its first message, where an event loop busy that long
   * passes for a stalled one and is restarted.
   */
  preload(): void {
    this.guard(() => this.completions());
  }

  private completions(): StoredCompletions {
    return (this.stored ??= loadCompletions(this.st, this.minLessons));
  }

  /** Stores rejected records, each key once. */
  reject(rows: readonly Rejected[], now: string): number {
    if (rows.length === 0) return 0;
    return this.guard(() => storeRejected(this.st, rows, now));
  }

  /** Log history the log no longer holds (storage/history.ts), each key once, in the open transaction; returns how many were new. */
  recordLost(rows: readonly LostLog[], now: string): number {
    if (rows.length === 0) return 0;
    return this.guard(() => insertLost(this.db, rows, now));
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

  /** Nothing stored yet but what opening it wrote (a warehouse the pre-flight just made): no offsets, rows or completions. */
  isEmpty(): boolean {
    return this.st.anyStored.pluck().get() === 0;
  }

  /**
   * `start`'s pre-flight: the disk holding the warehouse has room and a commit goes through now, so
   * that a full disk is one line before any actor starts rather than a crash loop after.
   */
  checkWritable(): void {
    checkFreeSpace(this.path);
    this.guard(() => this.st.setMeta.run('writable_at', new Date().toISOString()));
  }

  /**
   * `rebuild`: replaces the whole contents with `snap`, the rejected records and the offsets
   * reached, in ONE transaction: a reader sees the old warehouse or the new one, never a mix, and a
   * crash half-way leaves the old one. Rejected records are stored once per (source, key), as
   * streaming stores them.
   */
  replaceAll(snap: ComputedWarehouse, offsets: Offsets, rejected: readonly Rejected[], completions: CompletionSet = snap.completions): SnapshotCounts {
    const now = new Date().toISOString();
    const bulk = this.checkpoints === null && !this.inTx && this.isEmpty() && this.journal('delete');
    this.begin();
    try {
      const counts = writeSnapshot(this.db, this.st, snap, offsets, rejected, completions, now);
      this.stored = null;
      this.commit();
      return counts;
    } catch (err) {
      this.rollback();
      throw warehouseFault(this.path, err);
    } finally {
      if (bulk) this.journal('wal');
    }
  }

  /**
   * Sets the journal mode; false when it cannot be set now (another connection has the warehouse
   * open). A rebuild into an empty warehouse writes with a rollback journal: pages past the end of
   * the file need no journal, so each page is written once, straight into the file, where the WAL
   * would take it first and a checkpoint copy it after (60 MB of completion lists at 10,000,000
   * runs: 1.4 s of writing and closing in WAL mode, 0.8 s this way). A kill during it leaves the
   * journal, which rolls the file back to empty at the next open.
   */
  private journal(mode: 'delete' | 'wal'): boolean {
    try {
      return this.db.pragma(`journal_mode = ${mode}`, { simple: true }) === mode;
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_BUSY') return false;
      throw err;
    }
  }

  /** A PASSIVE checkpoint: copies what it can of the WAL without waiting for readers. */
  checkpoint(): void {
    this.db.pragma('wal_checkpoint(PASSIVE)');
  }

  /** Stops the checkpointer (if any) and closes the connection; the last one out checkpoints the WAL. */
  async close(): Promise<void> {
    this.rollback();
    await this.checkpoints?.stop();
    this.checkpoints = null;
    if (this.db.open) this.db.close();
  }

  // The minimum is a property of the stored aggregates: started with another one, every batch's
  // qualified_students is recounted and every student's qualified_at found again, in one transaction.
  private useMinLessons(min: number): void {
    const stored = this.meta('min_lessons');
    if (stored === String(min)) return;
    this.db.transaction(() => {
      if (stored !== undefined) {
        this.db.prepare(RECOUNT_QUALIFIED).run({ min, now: new Date().toISOString() });
        const { index } = this.completions();
        for (const id of this.st.studentIds.pluck().all() as number[]) {
          const at = isoOrNull(index.qualifiedAt(id));
          this.st.setQualifiedAt.run(at, id, at);
        }
      }
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
