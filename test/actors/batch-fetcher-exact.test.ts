// The BatchFetcher delivers exactly the API's batches: with ties larger than a page, late batches
// up to 60 s behind the newest, batches served again (changed or not) and invalid ones, arriving
// while it polls, the fake Aggregator ends with the ledger's latest version of every id and each
// rejected batch's key once; the counters say what happened.
import test from 'ava';
import { LATE_BATCH_MAX_MS } from '../../src/simulator/index.ts';
import { startSim } from '../simulator/helpers.ts';
import { waitFor } from '../runtime/helpers.ts';
import { DEADLINE, startFetcher } from './batch-fetcher-harness.ts';

test('every batch arrives, the latest version of each, every invalid one rejected once', async (t) => {
  const sim = await startSim(t, {
    seed: 21,
    history: { batches: 400, students: 0, testRuns: 0 },
    live: { manual: true, batchesPerSec: 4, studentsPerSec: 0, testRunsPerSec: 0 },
    faults: { 'ties': 0.02, 'late-batches': 0.3, 'duplicate-batches': 0.2, 'invalid-batches': 0.1 },
    tuning: { tieSize: 130 },
  });
  const h = await startFetcher(t, sim.apiUrl);
  await h.caughtUp(sim);

  // Live arrivals while it polls, and the hard cases on demand: a late batch at exactly 60 s, a
  // tie group across pages, a batch served again unchanged in content but newer.
  for (let i = 0; i < 30; i++) {
    sim.step(700);
    if (i === 10) sim.addBatches(150, { sameCreatedAt: true });
    if (i === 15) sim.addLateBatch(LATE_BATCH_MAX_MS);
    if (i === 20) sim.serveBatchAgain(undefined, { changed: false });
    if (i === 25) sim.addInvalidBatch('id-not-positive');
    await h.polls(1);
  }
  await h.caughtUp(sim);

  t.true(sim.ledger.published.length > sim.ledger.batches.size, 'some batch was served again');
  t.true(sim.ledger.rejectedBatches.length > 5, 'invalid batches were served');
  const newest = [...sim.ledger.batches.values()].reduce((a, b) => (b.created_at > a.created_at || (b.created_at === a.created_at && b.id > a.id) ? b : a));
  const cursor = `${newest.created_at}#${newest.id}`;
  // Counters reach status with the heartbeats: wait for the acks to show.
  const c = await waitFor(() => (h.counters()['committed'] === cursor ? h.counters() : null), {
    what: () => `the committed cursor ${cursor} in the counters (${JSON.stringify(h.counters())})`,
    timeoutMs: DEADLINE,
  });
  t.is(c['offset'], cursor);
  t.is(c['rejected'], sim.expected().rejected.batches, 'each invalid batch sent once by this incarnation');
  t.is(c['failed_polls'], 0);
  t.true(Number(c['polls']) >= 30, JSON.stringify(c));
  t.true(Number(c['lag']) >= 0);
  // Every message carries this incarnation's session and a cursor that never goes back.
  const msgs = h.messages();
  t.is(new Set(msgs.map((m) => m.session)).size, 1);
  const cursors = msgs.map((m) => m.offset as { created_at: string; id: number });
  t.true(cursors.every((c, i) => i === 0 || c.created_at > cursors[i - 1]!.created_at || (c.created_at === cursors[i - 1]!.created_at && c.id >= cursors[i - 1]!.id)));
});
