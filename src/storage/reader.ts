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
  close(): Promise<void>;
}

export class WarehouseReader implements Reading {
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
      students: this.db.prepare('SELECT id, name, email, batch_id, created_at, completed FROM students ORDER BY id').all() as StudentRow[],
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
