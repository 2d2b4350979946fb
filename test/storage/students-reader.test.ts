// The read-only reader of the source students table (CONTRACTS §2): it refuses files it cannot
// use with a SourceError naming the file and why, and reads everything `rebuild` needs, agreeing
// with the simulator's rules on every row.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import test from 'ava';
import { SourceError } from '../../src/sources/errors.ts';
import { StudentsReader, readAllStudents } from '../../src/sources/students/reader.ts';
import { INVALID_STUDENT_KINDS } from '../../src/simulator/index.ts';
import { studentProblem } from '../../src/simulator/rules.ts';
import { tempDir } from '../runtime/helpers.ts';
import { startSim } from '../simulator/helpers.ts';

const refuses = (t: import('ava').ExecutionContext, file: string, why: RegExp) => {
  const err = t.throws(() => StudentsReader.open(file), { instanceOf: SourceError });
  t.true(err!.message.includes(file), `names ${file}: ${err!.message}`);
  t.regex(err!.message, why);
};

test('a missing file, a directory, a file that is not SQLite: SourceError naming the path', (t) => {
  const dir = tempDir(t);
  refuses(t, path.join(dir, 'nope.db'), /does not exist/);
  refuses(t, dir, /is not a file/);
  const text = path.join(dir, 'notes.db');
  fs.writeFileSync(text, 'these are not the students you are looking for\n'.repeat(100));
  refuses(t, text, /cannot be read as SQLite/);
  t.is(fs.readFileSync(text, 'utf8'), 'these are not the students you are looking for\n'.repeat(100), 'left as it was');
});

test('a database without the students table, or lacking its columns: SourceError naming the path', (t) => {
  const dir = tempDir(t);
  const make = (name: string, sql: string) => {
    const file = path.join(dir, name);
    const db = new Database(file);
    db.exec(sql);
    db.close();
    return file;
  };
  refuses(t, make('empty.db', 'CREATE TABLE other (x)'), /has no students table/);
  refuses(t, make('cols.db', 'CREATE TABLE students (id INTEGER PRIMARY KEY, name TEXT, batch_id INTEGER)'), /lacks column\(s\) email, created_at/);
  refuses(t, make('key.db', 'CREATE TABLE students (id INTEGER, name TEXT, email TEXT, batch_id INTEGER, created_at TEXT)'), /students\.id is not the INTEGER PRIMARY KEY/);
});

test('readAllStudents reads every row, valid and rejected, as the simulator expects', async (t) => {
  const sim = await startSim(t, { history: { batches: 20, students: 12_345, testRuns: 0 }, faults: { 'invalid-students': 0.01 } });
  for (const k of INVALID_STUDENT_KINDS) sim.insertInvalidStudent(k);
  sim.insertBackfillStudent();
  const expected = sim.expected();

  const all = await readAllStudents(sim.studentsPath, 1_000);
  t.deepEqual(all.students, expected.students.map(({ completed: _, ...s }) => s));
  t.is(all.rejected.length, expected.rejected.students);
  t.deepEqual(all.rejected.map((r) => Number(r.key)), sim.ledger.rejectedStudents.map((r) => r.id).sort((a, b) => a - b));
  for (const r of all.rejected) {
    const row = JSON.parse(r.raw) as Record<string, unknown>;
    t.is(String(row['id']), r.key);
    t.is(r.source, 'students');
  }
  const ids = [...expected.students.map((s) => s.id), ...sim.ledger.rejectedStudents.map((r) => r.id)].sort((a, b) => a - b);
  t.deepEqual(Array.from(all.known), ids);
  t.is(all.hwm, ids.at(-1)!);

  // Our validation and the simulator's rules agree on every row as the database returns it.
  const reader = StudentsReader.open(sim.studentsPath);
  t.teardown(() => reader.close());
  const rows = reader.rowsAfter(-Infinity, 100_000);
  t.is(rows.length, ids.length);
  const reasons = new Map(all.rejected.map((r) => [Number(r.key), r.reason]));
  for (const row of rows) t.is(reasons.get(row['id'] as number) ?? null, studentProblem(row));
});

test('the reader counts, steps over and lists ids by range, and notices commits of other connections', async (t) => {
  const sim = await startSim(t, { history: { batches: 5, students: 1_000, testRuns: 0 } });
  const reader = StudentsReader.open(sim.studentsPath);
  t.teardown(() => reader.close());
  const ids = sim.expected().students.map((s) => s.id);
  t.is(reader.count(-Infinity, ids.at(-1)!), ids.length);
  t.is(reader.nthId(-Infinity, ids.at(-1)!, 10), ids[9]!);
  t.is(reader.nthId(ids[0]!, ids[5]!, 10), null);
  t.deepEqual(reader.ids(ids[100]!, ids[200]!), ids.slice(101, 201));
  t.is(reader.countAbove(ids[989]!, 5), 5);
  t.is(reader.countAbove(ids[989]!, 50), 10);
  t.deepEqual(reader.rowsByIds([ids[3]!, -5, ids[1]!]).map((r) => r['id']), [ids[3], ids[1]]);
  const v = reader.dataVersion();
  t.is(reader.dataVersion(), v, 'no commit, no change');
  sim.insertStudents(1);
  t.not(reader.dataVersion(), v, 'another connection committed');
});

test('opening and reading never writes the file', async (t) => {
  const sim = await startSim(t, { history: { batches: 5, students: 3_000, testRuns: 0 } });
  await sim.close();
  const before = fs.readFileSync(sim.studentsPath);
  const mtime = fs.statSync(sim.studentsPath).mtimeMs;
  const all = await readAllStudents(sim.studentsPath);
  t.true(all.students.length > 2_000);
  const reader = StudentsReader.open(sim.studentsPath);
  reader.rowsAfter(0, 10);
  reader.count(-Infinity, all.hwm);
  reader.close();
  t.true(fs.readFileSync(sim.studentsPath).equals(before), 'same bytes');
  t.is(fs.statSync(sim.studentsPath).mtimeMs, mtime, 'same mtime');
  const check = new Database(sim.studentsPath, { readonly: true });
  t.teardown(() => check.close());
  t.is(check.pragma('journal_mode', { simple: true }), 'wal', 'journal mode untouched');
});
