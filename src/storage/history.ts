// History the sources no longer hold (CONTRACTS §4, "equal to the batch answer"): log lines the
// warehouse counted that are gone from the log, because the file was truncated after they were
// read, or because a rotated file was deleted before it was read whole. The warehouse keeps
// counting them (they were in the log, §3); `rebuild` cannot see them, so `verify` reads this
// table to say why the two differ. One row per loss, stored once per key, in the transaction of
// the log message that reported it (and its offset). `rebuild` empties it, since it rewrites the
// warehouse from what the sources hold now. The table itself is in schema.ts (LOG_HISTORY).
import type Database from 'better-sqlite3';

export type LostReason = 'truncated' | 'deleted';

/** A loss as the LogTailer reports it. */
export interface LostLog {
  reason: LostReason;
  /** The file's name: test_runs.log, test_runs.log.1 ... */
  file: string;
  /** Bytes of that file read (and counted) before they were gone. */
  pos: number;
  /** What makes the same loss the same row when it is reported again (after a restart, say). */
  key: string;
}

/** A loss as the warehouse holds it. */
export interface LostHistory extends Omit<LostLog, 'key'> {
  /** When the pipeline saw it (arrival time, ISO-8601 UTC). */
  seen_at: string;
}

export const HISTORY_TABLE = 'log_history';

const statements = new WeakMap<Database.Database, Database.Statement>();

/** Stores each loss once per key; returns how many were new. Runs in the caller's transaction. */
export function insertLost(db: Database.Database, rows: readonly LostLog[], now: string): number {
  let insert = statements.get(db);
  if (insert === undefined) {
    insert = db.prepare('INSERT OR IGNORE INTO log_history (reason, file, pos, seen_at, key) VALUES (?, ?, ?, ?, ?)');
    statements.set(db, insert);
  }
  let added = 0;
  for (const r of rows) added += insert.run(r.reason, r.file, r.pos, now, r.key).changes;
  return added;
}

/** Every loss, oldest first; none in a warehouse made before the table existed (schema version 1). */
export function readLost(db: Database.Database): LostHistory[] {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").pluck().get(HISTORY_TABLE) !== undefined;
  if (!exists) return [];
  return db.prepare('SELECT reason, file, pos, seen_at FROM log_history ORDER BY seen_at, id').all() as LostHistory[];
}
