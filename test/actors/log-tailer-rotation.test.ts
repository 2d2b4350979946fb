// Rotation while running (CONTRACTS §3): the log is renamed to PATH.1 (older ones shift up) and a
// new PATH is created. Lines written just before each rename are still read, once; so are those of
// several rotations that happen before the tailer gets to look.
import test from 'ava';
import { startSim, waitFor as simWait } from '../simulator/helpers.ts';
import { ledgerPairs, ledgerValidLines, logTimes, missing, startTailer, timeDiffs, type TailerRun } from '../fixtures/log-tailer-harness.ts';
import type { Simulator } from '../../src/simulator/index.ts';

function checkAll(t: import('ava').ExecutionContext, sim: Simulator, run: TailerRun): void {
  const expected = ledgerPairs(sim.ledger);
  const got = run.pairs();
  t.deepEqual(missing(expected, got), [], 'no completion lost');
  t.deepEqual(missing(got, expected), []);
  t.deepEqual(timeDiffs(run.times(), logTimes([...sim.rotatedLogs(), sim.logPath])), [], 'each pair with its earliest created_at');
  t.is(run.runs(), ledgerValidLines(sim.ledger), 'every valid line counted once');
  t.deepEqual(run.rejected(), []);
}

test('lines written just before each rename are read once, also across quick rotations', async (t) => {
  const sim = await startSim(t, { history: { batches: 5, students: 100, testRuns: 500 } });
  const run = await startTailer(t, sim.logPath, { maxBatchBytes: 16 * 1024 });
  await run.caughtUp(sim.logPath);
  for (let i = 0; i < 10; i++) {
    sim.writeTestRuns(150);
    if (i % 3 === 0) sim.writeSplitLine({ pauseMs: 50 });
    sim.rotate();
    // Every other time, let the tailer see the rename before the next; else they pile up.
    if (i % 2 === 0) {
      const files = run.logs.of('log.file').length;
      await simWait('the tailer to open the new file', () => run.logs.of('log.file').length > files, 30_000);
    }
  }
  sim.writeTestRuns(100);
  await sim.settled();
  await run.caughtUp(sim.logPath, 'every rotated file and the new log to be read');
  t.is(sim.rotatedLogs().length, 10);
  checkAll(t, sim, run);
  t.is((await run.logged('log.file', 11)).length, 11, 'each file opened once');
});

test('live lines with a rotation every second: nothing lost, nothing twice', async (t) => {
  const sim = await startSim(t, {
    history: { batches: 5, students: 200, testRuns: 2000 },
    live: { testRunsPerSec: 5000, studentsPerSec: 5, batchesPerSec: 0, tickMs: 20 },
    faults: { rotate: 1, 'split-lines': 0.001 },
    // A split line holds the writer's queue for its pause: kept short so the queue keeps up.
    tuning: { splitPauseMs: 5 },
  });
  const run = await startTailer(t, sim.logPath);
  await simWait('three rotations', () => sim.ledger.rotations.length >= 3, 30_000);
  await sim.pause();
  await run.caughtUp(sim.logPath, 'the tailer to catch up after the live lines');
  checkAll(t, sim, run);
});
