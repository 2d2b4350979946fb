// Reading the warehouse without writing it: `top`, `verify`, the demo's status line (and later
// the web page) open it read-only, at any time, also while a supervisor writes it (WAL readers
// see one committed state).
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { BatchRow, StudentRow } from '../domain/aggregate.ts';
import type { SourceName } from '../domain/records.ts';
import { inspectWarehouse } from './schema.ts';
import { readLost, type LostHistory } from './history.ts';
import { WarehouseError } from './errors.ts';
import { isPostgresUrl } from '../domain/identity.ts';
import { BOARD_SQL, type BoardRow } from './board.ts';
import { SCHEMA_VERSION } from './schema.ts';
import { StudentLessons } from './student-lessons.ts';
import { lessonsDone, type BatchDetail, type DetailBatch, type DetailStudent } from './detail.ts';

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

/**
 * Reading a warehouse without writing it, whatever holds it: this SQLite reader, or PostgreSQL's
 * (pg/). Every method answers from one committed state.
 */
export interface Reading {
  /** A value of the warehouse's meta table (what it was built from, its minimum of lessons, ...). */
  meta(key: string): Promise<string | undefined>;
  /** The minimum of lessons the warehouse was built with, if it records one. */
  minLessons(): Promise<number | undefined>;
  /** CONTRACTS §4's leaderboard query, as written there. */
  leaderboard(limit: number): Promise<LeaderRow[]>;
  /** Every batch, ranked (BOARD_SQL), from one committed state. */
  board(): Promise<BoardRow[]>;
  /** Everything `verify` compares, in one snapshot. */
  contents(): Promise<WarehouseContents>;
  /** Log history the log no longer holds, oldest first (storage/history.ts). */
  lostHistory(): Promise<LostHistory[]>;
  /** Batch `id` and its students with their lessons (explain, the batch page), from one committed state; null when neither exists. */
  batchDetail(id: number): Promise<BatchDetail | null>;
  close(): Promise<void>;
}

export class WarehouseReader implements Reading {
  /** A batch's students' lessons, kept between calls (student-lessons.ts). */
  private lessons: StudentLessons | null = null;

  private constructor(
    readonly path: string,
    private readonly db: Database.Database,
  ) {}

  /**
   * Opens an existing warehouse read-only. Throws WarehouseError naming the path when it is missing,
   * not SQLite, or not a batchboard warehouse of this schema version (or an older one it migrates
   * from, read as it is); the file is not changed.
   */
  static open(path: string): WarehouseReader {
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
      return new WarehouseReader(path, db);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  async meta(key: string): Promise<string | undefined> {
    return this.db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(key) as string | undefined;
  }

  async minLessons(): Promise<number | undefined> {
    const v = await this.meta('min_lessons');
    return v === undefined ? undefined : Number(v);
  }

  async leaderboard(limit: number): Promise<LeaderRow[]> {
    return this.db.prepare('SELECT id, name, qualified_students FROM batches ORDER BY qualified_students DESC, id LIMIT ?').all(limit) as LeaderRow[];
  }

  async board(): Promise<BoardRow[]> {
    return this.db.prepare(BOARD_SQL).all() as BoardRow[];
  }

  /** In one read transaction: one committed state. */
  async contents(): Promise<WarehouseContents> {
    return this.db.transaction(() => ({
      batches: this.db
        .prepare('SELECT id, name, start_date, created_at, student_count, qualified_students FROM batches ORDER BY id')
        .all() as BatchRow[],
      students: this.db.prepare(`SELECT id, name, email, batch_id, created_at, completed, ${this.qualifiedAt} FROM students ORDER BY id`).all() as StudentRow[],
      rejected: rejectedCounts(this.db),
    }))();
  }

  /**
   * Log history the log no longer holds (storage/history.ts), oldest first: what `verify` names when
   * the warehouse differs from the sources. Empty in a warehouse of schema version 1.
   */
  async lostHistory(): Promise<LostHistory[]> {
    return readLost(this.db);
  }

  async batchDetail(id: number): Promise<BatchDetail | null> {
    const db = this.db;
    return db.transaction(() => {
      const batch = db.prepare('SELECT name, start_date, created_at, student_count, qualified_students, updated_at FROM batches WHERE id = ?').get(id) as DetailBatch | undefined;
      const rows = db.prepare(`SELECT id, name, email, created_at, completed, ${this.qualifiedAt} FROM students WHERE batch_id = ? ORDER BY id`).all(id) as Omit<DetailStudent, 'lessons'>[];
      if (batch === undefined && rows.length === 0) return null;
      const found = (this.lessons ??= new StudentLessons(db, this.version >= 3)).of(id, rows.map((s) => s.id));
      const students = rows.map((s): DetailStudent => ({ ...s, lessons: lessonsDone(found.get(s.id) ?? []) }));
      const rank = batch === undefined ? null : (db.prepare('SELECT count(*) + 1 FROM batches WHERE qualified_students > ? OR (qualified_students = ? AND id < ?)').pluck().get(batch.qualified_students, batch.qualified_students, id) as number);
      const min = db.prepare("SELECT value FROM meta WHERE key = 'min_lessons'").pluck().get() as string | undefined;
      return { id, batch: batch ?? null, rank, minLessons: Number(min ?? 3), students };
    })();
  }

  /** The warehouse's schema version: an older one is read as it is (no qualified_at before version 3). */
  private get version(): number {
    return Number(this.db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get() ?? SCHEMA_VERSION);
  }

  private get qualifiedAt(): string {
    return this.version >= 3 ? 'qualified_at' : 'NULL AS qualified_at';
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

/** A reader of the warehouse at `target`: a path, or a postgres:// URL. */
export async function openReader(target: string): Promise<Reading> {
  if (isPostgresUrl(target)) {
    const { openPgReader } = await import('./pg/reader.ts');
    return openPgReader(target);
  }
  return WarehouseReader.open(target);
}

/** Opens the warehouse at `target` read-only, runs `fn`, closes. */
export async function readWarehouse<T>(target: string, fn: (r: Reading) => T | Promise<T>): Promise<T> {
  const r = await openReader(target);
  try {
    return await fn(r);
  } finally {
    await r.close();
  }
}

export function rejectedCounts(db: Database.Database): RejectedCounts {
  const out: RejectedCounts = { batches: 0, students: 0, test_runs: 0 };
  const rows = db.prepare('SELECT source, count(*) AS n FROM rejected_records GROUP BY source').all() as { source: string; n: number }[];
  for (const r of rows) if (Object.hasOwn(out, r.source)) out[r.source as SourceName] = r.n;
  return out;
}
