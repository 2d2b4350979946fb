// The warehouse schema: CONTRACTS §4's three tables, plus batchboard's internal ones. Only
// storage/ writes SQL for the warehouse.
import type Database from 'better-sqlite3';
import { WarehouseError } from './errors.ts';

export const SCHEMA_VERSION = 1;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS batches (
  id                 INTEGER PRIMARY KEY,
  name               TEXT NOT NULL,
  start_date         TEXT,
  created_at         TEXT NOT NULL,
  student_count      INTEGER NOT NULL,
  qualified_students INTEGER NOT NULL,
  updated_at         TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS students (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  email      TEXT,
  batch_id   INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  completed  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS students_batch_id ON students (batch_id);
CREATE INDEX IF NOT EXISTS batches_leaderboard ON batches (qualified_students DESC, id);
-- key: what makes a rejection the same one seen again (a re-served batch, a re-read line); stored once.
CREATE TABLE IF NOT EXISTS rejected_records (
  id      INTEGER PRIMARY KEY,
  source  TEXT NOT NULL,
  reason  TEXT NOT NULL,
  raw     TEXT,
  seen_at TEXT NOT NULL,
  key     TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS rejected_records_key ON rejected_records (source, key);
-- The set of (student, lesson) completed (§3), also for students not arrived yet. Append-only,
-- each pair once: the writer keeps the set in memory (storage/completion-index.ts), since random
-- inserts into an index here were the pipeline's bottleneck.
CREATE TABLE IF NOT EXISTS completions (
  student_id INTEGER NOT NULL,
  lesson_id  INTEGER NOT NULL
);
-- How far each source has been read, stored in the transaction of the records that reach it.
CREATE TABLE IF NOT EXISTS offsets (
  source     TEXT PRIMARY KEY,
  value      TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`;

export const CONTRACT_TABLES = ['batches', 'students', 'rejected_records'] as const;

/**
 * What an opened file holds, judged by reading alone, before anything may write to it: nothing yet
 * ('empty', when the caller would create the warehouse) or a batchboard warehouse of this schema
 * version. Anything else throws a WarehouseError naming the file, which is left as it was.
 */
export function inspectWarehouse(db: Database.Database, path: string, access: 'reads' | 'writes'): 'empty' | 'warehouse' {
  let tables: string[];
  try {
    tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
  } catch (err) {
    // "file is not a database" and the like come from the first query, not from opening.
    throw new WarehouseError(`${path} is not a batchboard warehouse: ${(err as Error).message}`);
  }
  if (!tables.includes('meta')) {
    if (tables.length === 0 && access === 'writes') return 'empty';
    if (access === 'writes') {
      throw new WarehouseError(`${path} is an SQLite database but not a batchboard warehouse (it has tables ${tables.join(', ')} and no meta table)`);
    }
    throw new WarehouseError(`${path} is not a batchboard warehouse (it has no meta table)`);
  }
  const v = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get() as string | undefined;
  if (v !== String(SCHEMA_VERSION)) {
    throw new WarehouseError(`warehouse ${path} has schema version ${v ?? 'none'}; this batchboard ${access} version ${SCHEMA_VERSION}`);
  }
  return 'warehouse';
}
