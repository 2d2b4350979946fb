// students.db disappearing while the watcher runs is logged, not a crash; when a file is back at
// the path, the watcher opens it and goes on from where the warehouse is, sending nothing twice.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import Database from 'better-sqlite3';
import { statusOf, tempDir } from '../runtime/helpers.ts';
import { waitFor } from '../wait.ts';
import { repeats, sortNum, startWatcher } from './student-watcher-helpers.ts';

const SCHEMA = 'CREATE TABLE students (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT, batch_id INTEGER NOT NULL, created_at TEXT NOT NULL)';

function write(file: string, from: number, to: number): void {
  const db = new Database(file);
  db.exec(`${SCHEMA.replace('CREATE TABLE', 'CREATE TABLE IF NOT EXISTS')}`);
  const insert = db.prepare('INSERT INTO students VALUES (?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (let id = from; id <= to; id++) insert.run(id, `Student ${id}`, `s${id}@example.com`, 1, '2024-06-01T00:00:00.000Z');
  })();
  db.close();
}

test('a source file that disappears is logged and retried; a file back at the path is read on', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'students.db');
  write(file, 1, 1_000);
  const w = await startWatcher(t, file, { reconcileMs: 100 });
  await waitFor(() => w.applied().ids.length >= 1_000, { what: () => `the first rows (${w.diagnose()})` });

  const aside = path.join(dir, 'aside.db');
  fs.renameSync(file, aside);
  await waitFor(() => w.logs.of('students.source_changed').length > 0 && w.logs.of('students.unreadable').length > 0, {
    what: () => `the missing file logged (${JSON.stringify(w.logs.entries.slice(-5))})`,
  });
  t.is(w.logs.of('students.source_changed')[0]!.fields['what'], 'missing');
  t.regex(String(w.logs.of('students.unreadable')[0]!.fields['error']), /does not exist/);
  t.true(String(w.logs.of('students.unreadable')[0]!.fields['error']).includes(file));

  // Another file takes its place: the old rows plus new ones, and a back-fill below the mark.
  write(aside, 1_001, 1_500);
  // Put in place at once (a rename), so that the watcher never opens a half-copied file.
  fs.copyFileSync(aside, `${file}.tmp`);
  fs.renameSync(`${file}.tmp`, file);
  write(file, 2_000, 2_000);
  write(file, 1_700, 1_700);
  await waitFor(() => w.applied().ids.length >= 1_502, { what: () => `the rows of the new file (${w.diagnose()})` });

  const ids = w.applied().ids;
  t.deepEqual(repeats(ids), []);
  t.deepEqual(sortNum(ids), [...Array.from({ length: 1_500 }, (_, i) => i + 1), 1_700, 2_000]);
  t.is(w.logs.of('students.unreadable').length, 1, `logged once, not at every retry: ${JSON.stringify(w.logs.of('students.unreadable'))}`);
  t.is(w.logs.of('students.readable').length, 1);
  const s = statusOf(w.sup, 'StudentWatcher');
  t.is(s.restarts, 0);
  t.is(s.lastError, null);
});
