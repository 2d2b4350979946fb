// Every response fault of the API, switched on one at a time at a high rate, and the result is
// still exact: 429 (Retry-After honoured), 5xx, slow answers past the timeout, a 200 that is not
// JSON or not of the shape, connections closed, reset or cut off mid-body. Retries and failed polls
// are counted; none crashes the actor or moves its cursor past what was acked.
import test from 'ava';
import type { ApiFault, FaultName } from '../../src/simulator/index.ts';
import { startSim } from '../simulator/helpers.ts';
import { DEADLINE, startFetcher } from './batch-fetcher-harness.ts';
import { statusOf, waitFor } from '../runtime/helpers.ts';

const CASES: [FaultName, ApiFault[], 'retries' | 'failed_polls'][] = [
  ['http-429', [{ type: '429', retryAfterSec: 1 }], 'retries'],
  ['http-5xx', [{ type: '5xx', status: 500 }, { type: '5xx', status: 502 }, { type: '5xx', status: 503 }], 'retries'],
  ['slow', [{ type: 'slow' }], 'retries'],
  ['not-json', [{ type: 'not-json' }, { type: 'not-json' }], 'failed_polls'],
  ['wrong-shape', [{ type: 'wrong-shape' }, { type: 'wrong-shape' }, { type: 'wrong-shape' }], 'failed_polls'],
  ['resets', [{ type: 'reset', how: 'hang-up' }, { type: 'reset', how: 'rst' }, { type: 'reset', how: 'mid-body' }], 'retries'],
];

for (const [fault, queued, counted] of CASES) {
  test.serial(`${fault}: still exact`, async (t) => {
    const sim = await startSim(t, {
      seed: 31,
      history: { batches: 450, students: 0, testRuns: 0 },
      faults: { [fault]: 0.25, 'invalid-batches': 0.05, 'ties': 0.01 },
      tuning: { retryAfterSec: 1, slowMs: 1_500, tieSize: 120 },
    });
    sim.nextApiResponses(queued);
    const h = await startFetcher(t, sim.apiUrl, { timeoutMs: 500 });
    await h.caughtUp(sim);

    // New arrivals while the fault goes on.
    sim.addBatches(30);
    sim.addLateBatch(30_000);
    sim.serveBatchAgain(undefined, { changed: true });
    sim.addInvalidBatch('name-missing');
    await h.caughtUp(sim);

    await waitFor(() => Number(h.counters()[counted]) > 0, { what: () => `${counted} counted (${JSON.stringify(h.counters())})`, timeoutMs: DEADLINE });
    t.true(sim.stats().api.faults[queued[0]!.type] >= queued.length);
    const s = statusOf(h.sup, 'BatchFetcher');
    t.is(s.restarts, 0, 'never crashed');
    t.is(s.state, 'running');
    if (counted === 'failed_polls') t.true(h.logs.of('batches.poll_failed', 'BatchFetcher').length > 0);
    else t.true(h.logs.of('batches.retry', 'BatchFetcher').length > 0);
  });
}

test.serial('every fault at once, with live arrivals: still exact', async (t) => {
  const sim = await startSim(t, {
    seed: 32,
    history: { batches: 300, students: 0, testRuns: 0 },
    live: { batchesPerSec: 20, studentsPerSec: 0, testRunsPerSec: 0 },
    faults: 'all',
    tuning: { retryAfterSec: 1, slowMs: 700, tieSize: 120 },
  });
  const h = await startFetcher(t, sim.apiUrl, { timeoutMs: 500 });
  await h.polls(15);
  await sim.pause();
  await h.caughtUp(sim);
  const api = sim.stats().api;
  t.true(Object.values(api.faults).filter((n) => n > 0).length >= 3, `several faults met: ${JSON.stringify(api.faults)}`);
  t.true(sim.ledger.published.length > 300 + 20, 'live batches arrived');
  t.is(statusOf(h.sup, 'BatchFetcher').restarts, 0);
});
