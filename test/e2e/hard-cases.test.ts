// CONTRACTS §1-§3 end to end: a history, then a live stream with every hard case switched on,
// through `batchboard start` as a user runs it, on each warehouse backend. The warehouse ends exactly where the simulator's
// ledger says it must: every batch, student and completion once, every bad record rejected once.
import test from 'ava';
import { INVALID_BATCH_KINDS, INVALID_STUDENT_KINDS, BAD_LINE_KINDS } from '../../src/simulator/index.ts';
import { Pipeline, caughtUp, expectedRows, startSim, tempDir, waitForExact } from './helpers.ts';
import { BACKENDS, newWarehouse } from '../backends.ts';

for (const backend of BACKENDS) test(`[${backend}] history, then a live stream with every hard case: the warehouse equals the ledger`, async (t) => {
  const dir = tempDir(t);
  const sim = await startSim(t, dir, {
    seed: 4,
    live: { batchesPerSec: 2, studentsPerSec: 20, testRunsPerSec: 2_000 },
    faults: 'all',
    tuning: { retryAfterSec: 1, slowMs: 300 },
  });
  const pipeline = new Pipeline(t, sim, dir, [], { warehouse: await newWarehouse(t, backend, dir) });
  pipeline.start();
  await caughtUp(t, sim, pipeline);

  // Every hard case once more on demand, while live arrivals run.
  sim.resume();
  sim.addBatches(150, { sameCreatedAt: true });
  sim.addLateBatch();
  sim.serveBatchAgain(undefined, { changed: true });
  for (const kind of INVALID_BATCH_KINDS) sim.addInvalidBatch(kind);
  sim.nextApiResponses([{ type: '429', retryAfterSec: 1 }, { type: '5xx' }, { type: 'not-json' }, { type: 'wrong-shape' }, { type: 'reset', how: 'rst' }, { type: 'reset', how: 'mid-body' }, { type: 'slow' }]);
  sim.insertBackfillStudent();
  sim.insertEarlyStudent();
  for (const kind of INVALID_STUDENT_KINDS) sim.insertInvalidStudent(kind);
  sim.writeEarlyTestRun();
  sim.writeDuplicateLine();
  for (const kind of BAD_LINE_KINDS) sim.writeBadLine(kind);
  sim.writeBlankLine();
  sim.writeSplitLine({ pauseMs: 200 });
  sim.rotate();
  sim.writeTestRuns(500);
  await caughtUp(t, sim, pipeline);

  // Truncation: lines read before it count (CONTRACTS §3: written again from the start).
  sim.truncate();
  sim.resume();
  sim.writeTestRuns(300);
  await caughtUp(t, sim, pipeline);

  const { code } = await pipeline.stop('SIGTERM');
  t.is(code, 0);
  await waitForExact(t, pipeline, expectedRows(sim));
  t.true(sim.ledger.rejectedBatches.length > 0 && sim.ledger.badLines.length > 0);
});
