// Hot restarts of the LogTailer while lines flow: each new incarnation resumes from the offset the
// (fake) Aggregator stored, never from memory, so nothing is lost and nothing counted twice.
import test from 'ava';
import { startSim, waitFor as simWait } from '../simulator/helpers.ts';
import { statusOf } from '../runtime/helpers.ts';
import { ledgerPairs, ledgerValidLines, missing, startTailer } from '../fixtures/log-tailer-harness.ts';

test('restarts mid-stream resume from the stored offset: every line once', async (t) => {
  const sim = await startSim(t, {
    history: { batches: 5, students: 200, testRuns: 5000 },
    live: { testRunsPerSec: 4000, studentsPerSec: 5, batchesPerSec: 0, tickMs: 20 },
    faults: { 'line-variants': 0.02, 'bad-lines': 0.002 },
  });
  const run = await startTailer(t, sim.logPath, { maxBatchBytes: 32 * 1024 });
  for (let i = 0; i < 4; i++) {
    const seen = run.messages().length;
    await simWait(`more messages before restart ${i + 1}`, () => run.messages().length >= seen + 5, 30_000);
    if (i === 2) sim.rotate();
    await run.sup.restart('LogTailer');
  }
  const seen = run.messages().length;
  await simWait('messages after the last restart', () => run.messages().length >= seen + 5, 30_000);
  await sim.pause();
  await run.caughtUp(sim.logPath, 'the tailer to catch up after the restarts');

  t.is(statusOf(run.sup, 'LogTailer').restarts, 4);
  const sessions = [...new Set(run.messages().map((m) => m.session))];
  t.is(sessions.length, 5, 'each incarnation sent records');
  // Each incarnation started where the last applied message of the ones before had reached.
  const applied = new Set(run.messages().map((m) => JSON.stringify(m.offset)));
  const resumed = (await run.logged('log.resumed', 5)).map((e) => e.fields.offset);
  t.is(resumed.length, 5);
  t.is(resumed[0], null, 'the first start has no stored offset');
  for (const o of resumed.slice(1)) t.true(applied.has(JSON.stringify(o)), `resumed from a stored offset ${JSON.stringify(o)}`);

  t.is(run.runs(), ledgerValidLines(sim.ledger), 'every valid line counted once across incarnations');
  t.is(run.rejected().length, sim.ledger.badLines.length);
  t.is(new Set(run.rejected().map((r) => r.key)).size, sim.ledger.badLines.length);
  const expected = ledgerPairs(sim.ledger);
  t.deepEqual(missing(expected, run.pairs()), []);
  t.deepEqual(missing(run.pairs(), expected), []);
});
