// A writer in rollback-journal mode: while it holds the database locked, reads fail with
// SQLITE_BUSY; the watcher counts them and tries again at the next tick, without crashing. And the
// watcher's reads are short enough that the writer, committing in a loop with a modest busy
// timeout, is never turned away.
import path from 'node:path';
import { setImmediate as yieldNow } from 'node:timers/promises';
import test from 'ava';
import Database from 'better-sqlite3';
import { statusOf, tempDir } from '../runtime/helpers.ts';
import { waitFor } from '../wait.ts';
import { repeats, startWatcher } from './student-watcher-helpers.ts';

const SCHEMA = 'CREATE TABLE students (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT, batch_id INTEGER NOT NULL, created_at TEXT NOT NULL)';

function rollbackWriter(t: import('ava').ExecutionContext) {
  const file = path.join(tempDir(t), 'students.db');
  const db = new Database(file, { timeout: 1_000 });
  t.teardown(() => db.close());
  db.pragma('journal_mode = DELETE');
  db.exec(SCHEMA);
  const insert = db.prepare('INSERT INTO students VALUES (?, ?, ?, ?, ?)');
  let next = 1;
  const add = (n: number) => {
    for (let i = 0; i < n; i++, next++) insert.run(next, `Student ${next}`, null, 1 + (next % 7), '2024-06-01T00:00:00.000Z');
  };
  return { file, db, add, rows: () => next - 1 };
}

test('a locked database is retried, counted, and not a crash', async (t) => {
  const wr = rollbackWriter(t);
  wr.db.transaction(() => wr.add(5_000))();
  const w = await startWatcher(t, wr.file, { pollMs: 20, reconcileMs: 100 });
  await waitFor(() => w.applied().ids.length >= 5_000, { what: () => `the first rows (${w.diagnose()})` });

  // EXCLUSIVE: no reader may even start a read until the commit.
  wr.db.exec('BEGIN EXCLUSIVE');
  wr.add(100);
  await waitFor(() => Number(w.counters()['busy']) >= 3, { what: () => `busy reads counted (${JSON.stringify(w.counters())})` });
  wr.db.exec('COMMIT');
  await waitFor(() => w.applied().ids.length >= 5_100, { what: () => `the rows committed after the lock (${w.diagnose()})` });

  const s = statusOf(w.sup, 'StudentWatcher');
  t.is(s.restarts, 0);
  t.is(s.lastError, null);
  t.is(s.state, 'running');
  t.deepEqual(repeats(w.applied().ids), []);
});

test('the writer commits in a loop while the watcher reads, and is never turned away', async (t) => {
  const wr = rollbackWriter(t);
  wr.db.transaction(() => wr.add(60_000))();
  // Reconciling often, over ranges of 50k rows, while reading the history: the most reading there is.
  const w = await startWatcher(t, wr.file, { pollMs: 5, reconcileMs: 20, batchSize: 1_000 });
  let refused = 0;
  let commits = 0;
  // Commit until the watcher has caught up with the history and 400 commits were made: the
  // commits overlap its reads (and its reconciliations) throughout.
  const deadline = Date.now() + 60_000;
  while ((commits < 400 || Number(w.counters()['records'] ?? 0) < 60_000) && Date.now() < deadline) {
    try {
      wr.db.transaction(() => wr.add(10))();
      commits++;
    } catch (err) {
      if (!(err instanceof Database.SqliteError)) throw err;
      refused++;
    }
    await yieldNow();
  }
  t.true(commits >= 400, `${commits} commits`);
  t.is(refused, 0, 'no commit failed with SQLITE_BUSY');
  await waitFor(() => w.applied().ids.length >= wr.rows(), { what: () => `all ${wr.rows()} rows (${w.diagnose()})`, timeoutMs: 30_000 });
  t.deepEqual(repeats(w.applied().ids), []);
  t.is(statusOf(w.sup, 'StudentWatcher').restarts, 0);
});
