// The warehouse schema: CONTRACTS §4's three tables, plus batchboard's internal ones. Only
// storage/ writes SQL for the warehouse.

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
