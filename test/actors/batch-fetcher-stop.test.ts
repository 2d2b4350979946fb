// Stopping: a BatchFetcher waiting out a long Retry-After, or waiting on an answer that does not
// come, stops gracefully at once (its requests and sleeps are aborted), well inside shutdownMs.
import test from 'ava';
import { startSim } from '../simulator/helpers.ts';
import { waitFor } from '../runtime/helpers.ts';
import { DEADLINE, startFetcher } from './batch-fetcher-harness.ts';

test('a stop during a Retry-After wait is graceful', async (t) => {
  const sim = await startSim(t, { seed: 71, history: { batches: 20, students: 0, testRuns: 0 } });
  sim.nextApiResponses([{ type: '429', retryAfterSec: 240 }]);
  const h = await startFetcher(t, sim.apiUrl, {}, { shutdownMs: 20_000 });
  await waitFor(() => h.logs.of('batches.retry', 'BatchFetcher').length > 0, { what: 'the 429 to be met', timeoutMs: DEADLINE });
  t.true((h.logs.of('batches.retry', 'BatchFetcher')[0]!.fields['delayMs'] as number) >= 240_000);
  await h.sup.shutdown();
  t.like(h.logs.of('actor.stopped', 'BatchFetcher')[0]!.fields, { timedOut: undefined, error: undefined });
});

test('a stop while waiting for an answer is graceful', async (t) => {
  const sim = await startSim(t, { seed: 72, history: { batches: 20, students: 0, testRuns: 0 } });
  sim.nextApiResponses([{ type: 'slow', delayMs: 120_000 }]);
  const h = await startFetcher(t, sim.apiUrl, { timeoutMs: 300_000 }, { shutdownMs: 20_000 });
  await waitFor(() => sim.stats().api.faults.slow === 1, { what: 'the request to hang', timeoutMs: DEADLINE });
  await h.sup.shutdown();
  t.like(h.logs.of('actor.stopped', 'BatchFetcher')[0]!.fields, { timedOut: undefined, error: undefined });
});
