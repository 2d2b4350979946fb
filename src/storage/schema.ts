// The warehouse schema: CONTRACTS §4's three tables, plus batchboard's internal ones. Only
// storage/ writes SQL for the warehouse.
import type Database from 'better-sqlite3';
import { WarehouseError } from './errors.ts';

export const SCHEMA_VERSION = 3;
/** The first SQLite schema version with students.qualified_at and completion times. */
export const SCHEMA_VERSION_WITH_EVENT_TIMES = 3;

// --- log history (schema version 2): storage/history.ts writes and reads it. ---
/** Log lines counted that the log no longer holds (truncated after being read, or a rotated file deleted): CONTRACTS §4. */
const LOG_HISTORY = `
CREATE TABLE IF NOT EXISTS log_history (
  id      INTEGER PRIMARY KEY,
  reason  TEXT NOT NULL,     -- 'truncated' | 'deleted'
  file    TEXT NOT NULL,     -- test_runs.log, test_runs.log.1, ...
  pos     INTEGER NOT NULL,  -- bytes of that file read (and counted) before they were gone
  seen_at TEXT NOT NULL,
  key     TEXT NOT NULL UNIQUE
);
`;

// --- completion lists (schema version 2): storage/warehouse.ts writes and loads them. ---
/**
 * The set of (student, lesson) completed (§3), also for students not arrived yet, as lists: a row
 * holds lessons of one student (a Float64Array, little-endian), appended once per transaction for
 * the lessons it gained there, or once per student by `rebuild` (100,000 rows, not 2,700,000 pairs:
 * 0.26 s against 1.5 s to write). The writer keeps the set in memory (completion-index.ts). Version 1
 * wrote one row per pair into `completions`: still read, no longer written.
 */
const COMPLETION_LISTS_V2 = `
CREATE TABLE IF NOT EXISTS completion_lists (
  student_id INTEGER NOT NULL,
  lessons    BLOB NOT NULL
);
`;

// --- event times (schema version 3): `students.qualified_at` (CONTRACTS §4) and, beside each list
// of lessons, their earliest completing times (a Float64Array of ms, little-endian, one per lesson).
// A list row may repeat a lesson stored before, with an earlier time: loading keeps the earliest.
// Lists written before version 3 have no times (NULL): their lessons count, with no known time, so
// `qualified_at` stays NULL where it would need one of them until `rebuild` reads the log again.
const COMPLETION_LISTS = `
CREATE TABLE IF NOT EXISTS completion_lists (
  student_id INTEGER NOT NULL,
  lessons    BLOB NOT NULL,
  times      BLOB
);
`;
const EVENT_TIMES = `
ALTER TABLE students ADD COLUMN qualified_at TEXT;
ALTER TABLE completion_lists ADD COLUMN times BLOB;
`;

/**
 * What takes a warehouse of version N-1 to version N, by N. The writer applies them in order when it
 * opens an older warehouse (migrate); the read-only reader accepts any version listed here and reads
 * what an older one lacks as empty.
 */
const MIGRATIONS: Record<number, string> = {
  2: LOG_HISTORY + COMPLETION_LISTS_V2,
  3: EVENT_TIMES,
};

/** An older version that MIGRATIONS takes to SCHEMA_VERSION. */
function migratable(v: string | undefined): boolean {
  if (v === undefined || !/^[1-9][0-9]*$/.test(v) || Number(v) >= SCHEMA_VERSION) return false;
  for (let n = Number(v) + 1; n <= SCHEMA_VERSION; n++) if (MIGRATIONS[n] === undefined) return false;
  return true;
}
// --- end log history ---

/**
 * The indexes of the tables `rebuild` fills whole: dropped before and made again after its rows
 * (in its transaction): rows inserted in id order reach an index by another column in random order,
 * and 100,000 students with the index in place took 3 to 4 times as long as with it made after them.
 */
export const BULK_INDEXES = [
  { name: 'students_batch_id', create: 'CREATE INDEX IF NOT EXISTS students_batch_id ON students (batch_id)' },
  { name: 'batches_leaderboard', create: 'CREATE INDEX IF NOT EXISTS batches_leaderboard ON batches (qualified_students DESC, id)' },
] as const;

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
  completed  INTEGER NOT NULL DEFAULT 0,
  qualified_at TEXT
);
${BULK_INDEXES.map((i) => `${i.create};\n`).join('')}-- key: what makes a rejection the same one seen again (a re-served batch, a re-read line); stored once.
CREATE TABLE IF NOT EXISTS rejected_records (
  id      INTEGER PRIMARY KEY,
  source  TEXT NOT NULL,
  reason  TEXT NOT NULL,
  raw     TEXT,
  seen_at TEXT NOT NULL,
  key     TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS rejected_records_key ON rejected_records (source, key);
-- Version 1's completions, a row per (student, lesson): read, no longer written (completion_lists).
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
${LOG_HISTORY}${COMPLETION_LISTS}`;

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
  // An older version that MIGRATIONS takes to this one is read as it is, and migrated by the writer.
  if (v !== String(SCHEMA_VERSION) && !migratable(v)) {
    throw new WarehouseError(`warehouse ${path} has schema version ${v ?? 'none'}; this batchboard ${access} version ${SCHEMA_VERSION}`);
  }
  return 'warehouse';
}

/**
 * Takes a warehouse that inspectWarehouse accepted from its version to SCHEMA_VERSION, in one
 * transaction (a crash half-way leaves the old version). Called by the writer only, after the
 * checks: the read-only reader never changes the file.
 */
export function migrate(db: Database.Database): void {
  const v = Number(db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get());
  if (v >= SCHEMA_VERSION) return;
  db.transaction(() => {
    for (let n = v + 1; n <= SCHEMA_VERSION; n++) db.exec(MIGRATIONS[n]!);
    db.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(String(SCHEMA_VERSION));
  })();
}
