// A first start (no stored offset) after rotations reads the whole history once, oldest file first
// (PATH.2, PATH.1, PATH), then the lines appended while it runs: the completion pairs that arrive
// are exactly the ledger's, and every valid line is counted once.
import test from 'ava';
import { startSim } from '../simulator/helpers.ts';
import { waitFor } from '../wait.ts';
import { ledgerPairs, ledgerValidLines, logTimes, missing, startTailer, timeDiffs } from '../fixtures/log-tailer-harness.ts';

test('history across rotated files and appended lines all arrive, once', async (t) => {
  const sim = await startSim(t, { faults: { 'duplicate-lines': 0.02, 'line-variants': 0.05 } });
  sim.rotate();
  sim.writeTestRuns(700);
  sim.rotate();
  sim.writeTestRuns(300);
  t.is(sim.rotatedLogs().length, 2);

  const run = await startTailer(t, sim.logPath);
  await run.caughtUp(sim.logPath, 'the history to be read');
  const firstFile = (await run.logged('log.file', 3)).map((e) => e.fields.file);
  t.deepEqual(firstFile.slice(0, 3), ['test_runs.log.2', 'test_runs.log.1', 'test_runs.log'], 'oldest file first');

  // Appended while it runs, in several writes.
  for (let i = 0; i < 5; i++) sim.writeTestRuns(200);
  await run.caughtUp(sim.logPath, 'the appended lines to be read');

  const expected = ledgerPairs(sim.ledger);
  const got = run.pairs();
  t.deepEqual(missing(expected, got), [], 'no completion lost');
  t.deepEqual(missing(got, expected), [], 'no completion invented');
  t.deepEqual(timeDiffs(run.times(), logTimes([...sim.rotatedLogs(), sim.logPath])), [], 'each pair with its earliest created_at');
  t.is(run.runs(), ledgerValidLines(sim.ledger), 'every valid line counted once');
  t.deepEqual(run.rejected(), []);
  // Counters reach `status` with the next heartbeat.
  await waitFor(() => run.counters().records === ledgerValidLines(sim.ledger), { what: () => `counters ${JSON.stringify(run.counters())}` });
  const c = run.counters();
  t.is(c.file, 'test_runs.log');
  t.is(c.lag, 0);
  t.is(c.rejected, 0);
});
