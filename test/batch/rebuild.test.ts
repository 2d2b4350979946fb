// `batchboard rebuild` over sources holding every hard case computes exactly the warehouse the
// definitions give, stores the offsets reached, and replaces a previous warehouse wholly.
import test from 'ava';
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { batchboard } from '../cli/helpers.ts';
import { hardSim, plain, readContract, sourceFlags, warehousePath } from './helpers.ts';

test('the rebuilt warehouse equals the expectation over sources with every hard case', async (t) => {
  const sim = await hardSim(t);
  const warehouse = warehousePath(t);
  const r = await batchboard(['rebuild', ...sourceFlags(sim), '--warehouse', warehouse]);
  t.is(r.code, 0, r.stderr);

  // Truncated lines are gone from the files: a from-scratch computation never saw them.
  const expected = plain(sim.expected({ truncatedLines: 'lost' }));
  const got = await readContract(warehouse);
  t.is(got.batches.length, expected.batches.length);
  t.deepEqual(got.batches, expected.batches);
  t.is(got.students.length, expected.students.length);
  t.deepEqual(got.students, expected.students);
  t.deepEqual(got.rejected, expected.rejected);
  t.true(expected.rejected.batches > 0 && expected.rejected.students > 0 && expected.rejected.test_runs > 0, 'bad records of every source were there');
  t.true(expected.students.some((s) => !expected.batches.some((b) => b.id === s.batch_id)), 'a student whose batch is not served is there');

  t.regex(r.stdout, new RegExp(`^rebuilt warehouse ${warehouse.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} from the sources in [\\d.]+ s: `));
  t.regex(r.stdout, new RegExp(`${expected.batches.length} batches, ${expected.students.length} students, \\d+ lessons completed \\(from \\d+ test runs\\)`));
  t.regex(
    r.stdout,
    new RegExp(`rejected records: ${expected.rejected.batches} batches, ${expected.rejected.students} students, ${expected.rejected.test_runs} test_runs`),
  );
  t.is(r.stdout.trimEnd().split('\n').length, 1, 'one paragraph');
});

test('rebuild stores the offsets reached, so that streaming continues from there', async (t) => {
  const sim = await hardSim(t);
  const warehouse = warehousePath(t);
  const r = await batchboard(['rebuild', ...sourceFlags(sim), '--warehouse', warehouse]);
  t.is(r.code, 0, r.stderr);

  const db = new Database(warehouse, { readonly: true });
  t.teardown(() => db.close());
  const offset = (s: string) => JSON.parse((db.prepare('SELECT value FROM offsets WHERE source = ?').pluck().get(s) as string) ?? 'null');

  const newest = [...sim.ledger.batches.values()].sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id - b.id)).at(-1)!;
  // rescan_from null: the first poll after it reads the batches again from the start (a late batch
  // may have appeared behind the rebuild's pages while it read them).
  t.deepEqual(offset('batches'), { created_at: newest.created_at, id: newest.id, rescan_from: null });

  const src = new Database(sim.studentsPath, { readonly: true });
  const maxId = src.prepare('SELECT max(id) FROM students').pluck().get() as number;
  src.close();
  t.deepEqual(offset('students'), { hwm: maxId });

  const log = statSync(sim.logPath);
  t.like(offset('test_runs'), { dev: log.dev, ino: log.ino, pos: log.size });

  // Completions are kept as a set, also those of students not arrived yet: the streaming writer
  // counts them in when the student comes.
  const completions = db.prepare('SELECT (SELECT count(*) FROM completions) + (SELECT coalesce(sum(length(lessons)), 0) / 8 FROM completion_lists)').pluck().get() as number;
  const counted = sim.expected({ truncatedLines: 'lost' }).students.reduce((n, s) => n + s.completed, 0);
  t.true(completions >= counted && counted > 0, `${completions} completions stored, ${counted} counted by arrived students`);
});

test('a second rebuild replaces the first wholly, keeping its minimum of lessons', async (t) => {
  const sim = await hardSim(t, { history: { batches: 30, students: 300, testRuns: 5_000 } });
  const warehouse = warehousePath(t);
  const first = await batchboard(['rebuild', ...sourceFlags(sim), '--warehouse', warehouse, '--min-lessons', '2']);
  t.is(first.code, 0, first.stderr);
  t.deepEqual(await readContract(warehouse), plain(sim.expected({ truncatedLines: 'lost', minLessons: 2 })));

  sim.addBatches(3);
  sim.insertStudents(40);
  sim.writeTestRuns(3_000);
  sim.writeBadLine();
  await sim.settled();
  const second = await batchboard(['rebuild', ...sourceFlags(sim), '--warehouse', warehouse]);
  t.is(second.code, 0, second.stderr);
  t.regex(second.stdout, /minimum 2 lessons/);
  t.deepEqual(await readContract(warehouse), plain(sim.expected({ truncatedLines: 'lost', minLessons: 2 })));

  const third = await batchboard(['rebuild', ...sourceFlags(sim), '--warehouse', warehouse, '--min-lessons', '3']);
  t.is(third.code, 0, third.stderr);
  t.deepEqual(await readContract(warehouse), plain(sim.expected({ truncatedLines: 'lost', minLessons: 3 })));
});
