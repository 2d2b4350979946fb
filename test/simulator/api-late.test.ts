// CONTRACTS §1: late batches, up to 60 s before the newest served, picked up by a look-back re-read.
import test from 'ava';
import { getPage, pageAll, startSim } from './helpers.ts';

test('late batches appear after a cursor that passed their time, within 60 s of the newest', async (t) => {
  const sim = await startSim(t);
  const { batches } = await pageAll(sim.apiUrl);
  const newest = batches[batches.length - 1]!;
  const newestMs = Date.parse(newest.created_at);

  const late = [sim.addLateBatch(1), sim.addLateBatch(30_000), sim.addLateBatch(60_000), sim.addLateBatch()];
  for (const b of late) {
    const ms = Date.parse(b.created_at);
    t.true(ms < newestMs && ms >= newestMs - 60_000, `${b.created_at} is late by at most 60 s`);
    t.true(b.id > newest.id, 'a late batch is a new batch');
  }

  const cursorPage = await getPage(`${sim.apiUrl}/batches?after=${newest.created_at}&after_id=${newest.id}`);
  t.deepEqual(cursorPage.batches, [], 'the cursor has passed them');

  // A client re-reading a 60 s look-back window (inclusive) finds every one of them.
  const reread = await pageAll(sim.apiUrl, { after: new Date(newestMs - 60_001).toISOString() });
  t.deepEqual(
    reread.batches.filter((b) => b.id > newest.id).map((b) => b.id).sort((a, b) => a - b),
    late.map((b) => b.id),
  );
});

test('a lag over 60 s is refused', async (t) => {
  const sim = await startSim(t);
  t.throws(() => sim.addLateBatch(60_001), { message: 'lagMs must be between 0 and 60000, got 60001' });
});

test('with the late-batches fault, live batches arrive late', async (t) => {
  const sim = await startSim(t, { live: { manual: true, batchesPerSec: 10, studentsPerSec: 0, testRunsPerSec: 0 }, faults: { 'late-batches': 0.5 } });
  let newestMs = Number.NEGATIVE_INFINITY;
  let late = 0;
  for (let i = 0; i < 50; i++) {
    const seen = new Set([...sim.ledger.batches.keys()]);
    sim.step(100);
    for (const [id, b] of sim.ledger.batches) {
      if (seen.has(id)) continue;
      const ms = Date.parse(b.created_at);
      if (ms < newestMs) {
        late++;
        t.true(ms >= newestMs - 60_000);
      }
      newestMs = Math.max(newestMs, ms);
    }
  }
  t.true(late >= 10, `${late} late batches`);
});
