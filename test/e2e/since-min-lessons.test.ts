// CONTRACTS §5, two flags of `batchboard start` end to end:
// --since YYYY-MM-DD fetches only the batches created on or after that date; the students and
//   test runs of every batch are still read (a student row exists whatever its batch).
// --min-lessons N is what qualified_students counts; started again with another N, the same
//   warehouse is recounted and then kept by the new minimum.
import test from 'ava';
import { Pipeline, caughtUp, expectedRows, inconsistentBatches, readRows, startSim, tempDir, waitForExact } from './helpers.ts';

const LIVE = { batchesPerSec: 1, studentsPerSec: 20, testRunsPerSec: 2_000 };

test.serial('--since: only batches created on or after the date; students of every batch', async (t) => {
  const dir = tempDir(t);
  const sim = await startSim(t, dir, { seed: 41, history: { batches: 40, students: 800, testRuns: 30_000 }, live: LIVE });
  // A date in the middle of the history, so that it cuts the batches in two.
  const days = [...new Set([...sim.ledger.batches.values()].map((b) => b.created_at.slice(0, 10)))].sort();
  const since = days[Math.floor(days.length / 2)]!;
  const cut = `${since}T00:00:00.000Z`;

  const pipeline = new Pipeline(t, sim, dir, ['--since', since]);
  pipeline.start();
  await sim.pause();
  await waitForExact(t, pipeline, expectedRows(sim, {}, { since }));

  const rows = (await readRows(pipeline.warehouse))!;
  const before = [...sim.ledger.batches.values()].filter((b) => b.created_at < cut);
  t.true(before.length > 0, `the history has batches before ${since}`);
  t.true(rows.batches.length > 0, `and batches on or after it`);
  t.true(rows.batches.every((b) => (b['created_at'] as string) >= cut), `every stored batch was created on or after ${since}`);
  const early = new Set(before.map((b) => b.id));
  const orphans = rows.students.filter((s) => early.has(s['batch_id'] as number));
  t.true(orphans.length > 0, 'students of batches before the date are stored too');
  t.true(orphans.some((s) => (s['completed'] as number) > 0), 'with their completed lessons');
  t.deepEqual(await inconsistentBatches(pipeline.warehouse), []);
  t.log(`--since ${since}: ${rows.batches.length} batches stored, ${before.length} before it left out; ${orphans.length} students of those stored`);

  // Live batches keep coming (all of them after the date).
  sim.resume();
  sim.addBatches(3);
  await sim.pause();
  await waitForExact(t, pipeline, expectedRows(sim, {}, { since }));
  t.is((await pipeline.stop('SIGTERM')).code, 0);
});

test.serial('--min-lessons 2 counts students with 2 completed lessons; restarted with 3, the warehouse is recounted', async (t) => {
  const dir = tempDir(t);
  const sim = await startSim(t, dir, { seed: 42, history: { batches: 30, students: 600, testRuns: 20_000 }, live: LIVE });
  const two = new Pipeline(t, sim, dir, ['--min-lessons', '2']);
  two.start();
  await caughtUp(t, sim, two, { minLessons: 2 });
  t.deepEqual(await inconsistentBatches(two.warehouse, 2), [], 'qualified_students = students with completed >= 2');
  t.is((await two.stop('SIGTERM')).code, 0);

  // The two minimums must tell some batch apart, or the recount would go unseen.
  const at2 = new Map((await readRows(two.warehouse))!.batches.map((b) => [b['id'], b['qualified_students']]));
  const at3 = expectedRows(sim).batches;
  t.true(at3.some((b) => at2.get(b.id) !== b.qualified_students), 'some batch has students with exactly 2 completed lessons');

  // Same warehouse, same sources, another minimum: the sources are paused, so this is the recount alone.
  const three = new Pipeline(t, sim, dir, ['--min-lessons', '3']);
  three.start();
  await waitForExact(t, three, expectedRows(sim));
  t.deepEqual(await inconsistentBatches(three.warehouse, 3), []);

  // And the stream goes on counted by the new minimum.
  sim.resume();
  await caughtUp(t, sim, three);
  t.is((await three.stop('SIGTERM')).code, 0);
});
