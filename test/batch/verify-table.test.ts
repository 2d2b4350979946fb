// `batchboard verify` shows its differences as tables: per differing batch its id, name, and
// student_count and qualified_students expected (recomputed from the sources) and found (in the
// warehouse); then the first differing students (id, batch, completed expected and found) with a
// count of the rest; then missing and extra rows, counted. A corrupted row is found: exit 1.
import test from 'ava';
import Database from 'better-sqlite3';
import { batchboard } from '../cli/helpers.ts';
import { startSim } from '../simulator/helpers.ts';
import { sourceFlags, warehousePath } from './helpers.ts';

/** The rows (header first, split on runs of 2+ spaces) of the table under the line `heading` matches. */
function tableUnder(stdout: string, heading: RegExp): string[][] {
  const lines = stdout.split('\n');
  const at = lines.findIndex((l) => heading.test(l));
  if (at < 0) return [];
  const rows: string[][] = [];
  for (const l of lines.slice(at + 1)) {
    if (!l.startsWith('    ')) break;
    rows.push(l.trim().split(/ {2,}/));
  }
  return rows;
}

test('a corrupted batch and a corrupted student: exit 1, a table naming each with expected and found', async (t) => {
  const sim = await startSim(t, { seed: 11, history: { batches: 20, students: 300, testRuns: 6_000 } });
  const warehouse = warehousePath(t);
  const flags = [...sourceFlags(sim), '--warehouse', warehouse];
  t.is((await batchboard(['rebuild', ...flags])).code, 0);

  const db = new Database(warehouse);
  const batch = db.prepare('SELECT id, name, student_count, qualified_students FROM batches WHERE student_count > 0 ORDER BY id LIMIT 1 OFFSET 3').get() as {
    id: number;
    name: string;
    student_count: number;
    qualified_students: number;
  };
  const student = db.prepare('SELECT id, batch_id, completed FROM students ORDER BY id LIMIT 1 OFFSET 11').get() as { id: number; batch_id: number; completed: number };
  db.prepare('UPDATE batches SET qualified_students = qualified_students + 2 WHERE id = ?').run(batch.id);
  db.prepare('UPDATE students SET completed = completed + 1 WHERE id = ?').run(student.id);
  db.close();

  const r = await batchboard(['verify', ...flags]);
  t.log(r.stdout);
  t.is(r.code, 1, r.stderr);
  t.regex(r.stdout, /^batches: 20 in the sources, 20 in the warehouse; 0 missing, 0 extra, 1 differing$/m);
  t.regex(r.stdout, /^students: 300 in the sources, 300 in the warehouse; 0 missing, 0 extra, 1 differing$/m);
  t.notRegex(r.stdout, /log lines that the log no longer has/, 'no lost history: no word of it');

  const batches = tableUnder(r.stdout, /^ {2}1 batch differs \(expected: recomputed from the sources; found: in the warehouse\):$/);
  t.deepEqual(batches, [
    ['id', 'name', 'student_count expected', 'found', 'qualified_students expected', 'found', 'other fields'],
    [String(batch.id), batch.name, String(batch.student_count), String(batch.student_count), String(batch.qualified_students), String(batch.qualified_students + 2)],
  ]);
  const students = tableUnder(r.stdout, /^ {2}1 student differs \(expected: recomputed from the sources; found: in the warehouse\):$/);
  t.deepEqual(students, [
    ['id', 'batch', 'completed expected', 'found', 'other fields'],
    [String(student.id), String(student.batch_id), String(student.completed), String(student.completed + 1)],
  ]);
  t.notRegex(r.stdout, /more (batch|student)/, 'nothing left unlisted');
  t.regex(r.stdout, /^rejected records: sources 0 batches, 0 students, 0 test_runs; warehouse 0 batches, 0 students, 0 test_runs$/m);
});

test('many differing students: the first 20 in the table, the rest counted; other fields named with expected and found', async (t) => {
  const sim = await startSim(t, { seed: 12, history: { batches: 10, students: 1_300, testRuns: 3_000 } });
  const warehouse = warehousePath(t);
  const flags = [...sourceFlags(sim), '--warehouse', warehouse];
  t.is((await batchboard(['rebuild', ...flags])).code, 0);

  const db = new Database(warehouse);
  db.prepare('UPDATE students SET completed = completed + 1').run();
  const renamed = db.prepare('SELECT id, name FROM batches ORDER BY id LIMIT 1').get() as { id: number; name: string };
  db.prepare("UPDATE batches SET name = 'renamed\u001b[2J', start_date = '2020-01-01' WHERE id = ?").run(renamed.id);
  db.close();

  const r = await batchboard(['verify', ...flags]);
  t.is(r.code, 1, r.stderr);
  t.regex(r.stdout, /^students: 1300 in the sources, 1300 in the warehouse; 0 missing, 0 extra, 1300 differing$/m);
  const students = tableUnder(r.stdout, /^ {2}1,300 students differ \(expected: recomputed from the sources; found: in the warehouse\):$/);
  t.is(students.length, 1 + 20, 'a header and the first 20');
  for (const row of students.slice(1)) t.is(Number(row[3]), Number(row[2]) + 1, row.join(' | '));
  t.regex(r.stdout, /^ {2}\.\.\. and 1,280 more students differ$/m);

  const batches = tableUnder(r.stdout, /^ {2}1 batch differs /);
  t.is(batches.length, 2);
  const row = batches[1]!;
  t.is(row[0], String(renamed.id));
  t.is(row[1], `${renamed.name} (found renamed\\x1b[2J)`, 'the found name shown escaped');
  t.regex(row[6] ?? '', /^start_date: expected (null|"[0-9-]+"), found "2020-01-01"$/, 'a field with no column of its own, expected and found');
  t.false(r.stdout.includes('\u001b'), 'no control character reaches the terminal');
});
