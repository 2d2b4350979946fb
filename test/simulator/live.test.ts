// After the history, batches, students and test runs keep arriving at their rates; pause stops
// them, resume goes on; batches go past 100.
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import test from 'ava';
import { getPage, holdsFor, startSim, waitFor } from './helpers.ts';

test('live records reach all three sources, and pause and resume them', async (t) => {
  const sim = await startSim(t, { history: { batches: 100, students: 100, testRuns: 1_000 }, live: { batchesPerSec: 20, studentsPerSec: 50, testRunsPerSec: 1_000 } });
  const db = new Database(sim.studentsPath, { readonly: true });
  t.teardown(() => db.close());
  const dbStudents = () => (db.prepare('SELECT count(*) AS n FROM students').get() as { n: number }).n;

  await waitFor('live records', () => {
    const c = sim.ledger.counts();
    return c.batches > 105 && c.students > 110 && c.testRuns > 1_200;
  });
  const newest = [...sim.ledger.batches.values()].at(-1)!;
  t.true(newest.id > 100);
  const page = await getPage(`${sim.apiUrl}/batches?after=${sim.ledger.batches.get(100)!.created_at}&after_id=100`);
  t.true(page.batches.some((b) => b.id > 100), 'the API serves new batches');
  t.true(dbStudents() > 100, 'the table has new rows');

  await sim.pause();
  const paused = sim.ledger.counts();
  const size = statSync(sim.logPath).size;
  t.true(await holdsFor(() => sim.ledger.counts().lines === paused.lines && statSync(sim.logPath).size === size, 300), 'nothing arrives while paused');
  t.is(dbStudents(), paused.students);

  sim.resume();
  await waitFor('arrivals after resume', () => sim.ledger.counts().lines > paused.lines + 100);
  t.true(statSync(sim.logPath).size > size);
});

test('step() needs manual mode or a pause; a closed simulator refuses work', async (t) => {
  const sim = await startSim(t, { live: { testRunsPerSec: 10 } });
  t.throws(() => sim.step(10), { message: /step\(\) needs live.manual/ });
  await sim.pause();
  t.true(sim.step(1_000) >= 10);
  await sim.close();
  t.throws(() => sim.addBatches(1), { message: 'the simulator is closed' });
});
