// `batchboard verify` says "equal" (exit 0) for a warehouse rebuilt from the same sources, and
// names every row that differs (exit 1) once the warehouse or the sources have moved apart.
import test from 'ava';
import Database from 'better-sqlite3';
import { batchboard } from '../cli/helpers.ts';
import { startSim, tempDir } from '../simulator/helpers.ts';
import { join } from 'node:path';
import { hardSim, sourceFlags, warehousePath } from './helpers.ts';

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The rows (header first) of the table under the heading that `heading` matches: lines indented by 4. */
function tableUnder(stdout: string, heading: RegExp): string[] {
  const lines = stdout.split('\n');
  const at = lines.findIndex((l) => heading.test(l));
  if (at < 0) return [];
  const rows: string[] = [];
  for (const l of lines.slice(at + 1)) {
    if (!l.startsWith('    ')) break;
    rows.push(l.slice(4));
  }
  return rows;
}

test('equal after a rebuild; a changed, a deleted and an added row are each named', async (t) => {
  const sim = await hardSim(t, { history: { batches: 40, students: 500, testRuns: 8_000 } });
  const warehouse = warehousePath(t);
  const flags = [...sourceFlags(sim), '--warehouse', warehouse];
  t.is((await batchboard(['rebuild', ...flags])).code, 0);

  const equal = await batchboard(['verify', ...flags]);
  t.is(equal.code, 0, equal.stdout + equal.stderr);
  const expected = sim.expected({ truncatedLines: 'lost' });
  t.is(equal.stdout, `warehouse ${warehouse} equals the sources: ${expected.batches.length} batches, ${expected.students.length} students\n`);

  // Another writer changes the warehouse behind batchboard's back.
  const db = new Database(warehouse);
  const top = db.prepare('SELECT id, qualified_students FROM batches ORDER BY qualified_students DESC, id LIMIT 1').get() as { id: number; qualified_students: number };
  const victim = db.prepare('SELECT id, completed FROM students ORDER BY id LIMIT 1 OFFSET 7').get() as { id: number; completed: number };
  const gone = db.prepare('SELECT id FROM students ORDER BY id DESC LIMIT 1').pluck().get() as number;
  db.prepare('UPDATE batches SET qualified_students = qualified_students + 5 WHERE id = ?').run(top.id);
  db.prepare('UPDATE students SET completed = completed + 1 WHERE id = ?').run(victim.id);
  db.prepare('DELETE FROM students WHERE id = ?').run(gone);
  db.prepare("INSERT INTO batches (id, name, start_date, created_at, student_count, qualified_students, updated_at) VALUES (999999, 'ghost', NULL, '2024-01-01T00:00:00.000Z', 0, 0, '2024-01-01T00:00:00.000Z')").run();
  db.prepare("DELETE FROM rejected_records WHERE source = 'test_runs' AND id = (SELECT min(id) FROM rejected_records WHERE source = 'test_runs')").run();
  db.close();

  const r = await batchboard(['verify', ...flags]);
  t.is(r.code, 1, r.stderr);
  t.regex(r.stdout, new RegExp(`^warehouse ${esc(warehouse)} differs from the sources:`));
  t.regex(r.stdout, new RegExp(`^batches: ${expected.batches.length} in the sources, ${expected.batches.length + 1} in the warehouse; 0 missing, 1 extra, 1 differing$`, 'm'));
  // The differing batch: qualified_students expected (the sources) then found (the warehouse), last in its row.
  const differingBatches = tableUnder(r.stdout, /^ {2}1 batch differs \(expected: recomputed from the sources; found: in the warehouse\):$/);
  t.regex(differingBatches[0] ?? '', /^id +name +student_count expected +found +qualified_students expected +found +other fields$/);
  t.is(differingBatches.length, 2, r.stdout);
  t.regex(differingBatches[1] ?? '', new RegExp(`^ *${top.id}  .* ${top.qualified_students} +${top.qualified_students + 5}$`));
  const extraBatches = tableUnder(r.stdout, /^ {2}1 extra batch \(in the warehouse, not in the sources\):$/);
  t.is(extraBatches.length, 2, r.stdout);
  t.regex(extraBatches[1] ?? '', /^999999 {2}ghost /);
  t.regex(r.stdout, new RegExp(`^students: ${expected.students.length} in the sources, ${expected.students.length - 1} in the warehouse; 1 missing, 0 extra, 1 differing$`, 'm'));
  const differingStudents = tableUnder(r.stdout, /^ {2}1 student differs \(expected: recomputed from the sources; found: in the warehouse\):$/);
  t.is(differingStudents.length, 2, r.stdout);
  t.regex(differingStudents[1] ?? '', new RegExp(`^ *${victim.id} +\\d+ +${victim.completed} +${victim.completed + 1}$`));
  const missingStudents = tableUnder(r.stdout, /^ {2}1 student missing \(in the sources, not in the warehouse\):$/);
  t.is(missingStudents.length, 2, r.stdout);
  t.regex(missingStudents[1] ?? '', new RegExp(`^ *${gone} `));
  const rej = expected.rejected;
  t.regex(
    r.stdout,
    new RegExp(
      `^rejected records: sources ${rej.batches} batches, ${rej.students} students, ${rej.test_runs} test_runs; ` +
        `warehouse ${rej.batches} batches, ${rej.students} students, ${rej.test_runs - 1} test_runs \\(differ\\)$`,
      'm',
    ),
  );
});

test('sources that moved on since the rebuild: the new rows are missing, at most 20 listed, all counted', async (t) => {
  const sim = await hardSim(t, { history: { batches: 20, students: 200, testRuns: 2_000 } });
  const warehouse = warehousePath(t);
  const flags = [...sourceFlags(sim), '--warehouse', warehouse];
  t.is((await batchboard(['rebuild', ...flags])).code, 0);
  const added = sim.insertStudents(25);

  const r = await batchboard(['verify', ...flags]);
  t.is(r.code, 1, r.stderr);
  t.regex(r.stdout, /^students: .*; 25 missing, 0 extra, \d+ differing$/m);
  const missing = tableUnder(r.stdout, /^ {2}25 students missing \(in the sources, not in the warehouse\):$/);
  t.is(missing.length, 1 + 20, 'a header and at most 20 rows');
  t.regex(r.stdout, /^ {2}\.\.\. and 5 more missing$/m);
  t.regex(missing[1]!, new RegExp(`^ *${added[0]!.id} `));
});

test('a missing warehouse is one line naming it, exit 2', async (t) => {
  const sim = await startSim(t);
  const missing = join(tempDir(t), 'nowhere.db');
  const r = await batchboard(['verify', ...sourceFlags(sim), '--warehouse', missing]);
  t.is(r.code, 2);
  t.is(r.stderr, `batchboard: verify: warehouse ${missing} does not exist (name an existing one with --warehouse)\n`);
});
