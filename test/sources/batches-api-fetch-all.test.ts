// fetchAllBatches, the from-scratch read `rebuild` uses: against the simulator's API with ties
// larger than a page, invalid batches (some last on their page), batches served again, and every
// response fault, it returns exactly the ledger: latest version per id, each reject key once.
import test from 'ava';
import { BatchesApi } from '../../src/sources/batches/api.ts';
import { fetchAllBatches } from '../../src/sources/batches/paging.ts';
import { batchProblem } from '../../src/simulator/index.ts';
import { startSim } from '../simulator/helpers.ts';

const QUICK = { initialMs: 5, maxMs: 50, limit: 8 };

test('everything the API holds, through ties, invalid entries, re-served batches and response faults', async (t) => {
  const sim = await startSim(t, {
    seed: 5,
    history: { batches: 600, students: 0, testRuns: 0 },
    faults: { 'ties': 0.02, 'invalid-batches': 0.05, 'http-429': 0.1, 'http-5xx': 0.1, 'not-json': 0.1, 'wrong-shape': 0.1, 'resets': 0.1, 'slow': 0.05 },
    tuning: { tieSize: 130, retryAfterSec: 0, slowMs: 400 },
  });
  sim.addBatches(150, { sameCreatedAt: true });
  for (let i = 0; i < 20; i++) sim.serveBatchAgain(undefined, { changed: i % 2 === 0 });
  for (let i = 0; i < 5; i++) sim.addInvalidBatch('created-at-format');
  // Each fault at least once, early; random ones after.
  sim.nextApiResponses([
    { type: '429' }, { type: '5xx', status: 502 }, { type: 'slow' }, { type: 'not-json' }, { type: 'wrong-shape' },
    { type: 'reset', how: 'hang-up' }, { type: 'reset', how: 'rst' }, { type: 'reset', how: 'mid-body' }, { type: '5xx', status: 503 },
  ]);
  const api = new BatchesApi({ url: sim.apiUrl, timeoutMs: 200, retry: QUICK });
  t.teardown(() => api.close());

  const all = await fetchAllBatches(api, {});

  const ledger = [...sim.ledger.batches.values()].sort((a, b) => a.id - b.id);
  t.deepEqual(all.batches, ledger);
  t.is(all.rejected.length, sim.expected().rejected.batches);
  t.is(new Set(all.rejected.map((r) => r.key)).size, all.rejected.length);
  t.true(all.rejected.every((r) => r.source === 'batches' && batchProblem(JSON.parse(r.raw)) === r.reason), 'reasons agree with the simulator rules');
  const newest = ledger.reduce((a, b) => (b.created_at > a.created_at || (b.created_at === a.created_at && b.id > a.id) ? b : a));
  t.deepEqual(all.cursor, { created_at: newest.created_at, id: newest.id });
  const stats = sim.stats().api;
  t.true(Object.values(stats.faults).every((n) => n > 0), `every fault met: ${JSON.stringify(stats.faults)}`);
});

test('since: only batches created on or after that day', async (t) => {
  const sim = await startSim(t, { seed: 6, history: { batches: 300, students: 0, testRuns: 0 } });
  const api = new BatchesApi({ url: sim.apiUrl, retry: QUICK });
  t.teardown(() => api.close());
  const since = '2023-01-01';
  const all = await fetchAllBatches(api, { since });
  const want = [...sim.ledger.batches.values()].filter((b) => b.created_at >= `${since}T00:00:00.000Z`).sort((a, b) => a.id - b.id);
  t.true(want.length > 50 && want.length < sim.ledger.batches.size - 50, `a split: ${want.length} of ${sim.ledger.batches.size}`);
  t.deepEqual(all.batches, want);
});
