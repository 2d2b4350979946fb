// The API token: without it (or with a wrong one) every poll fails with a message saying so, counted
// and logged, and the actor keeps running; with it, every request carries the bearer header and the
// result is exact. The token appears in no log line, no counter and no status.
import test from 'ava';
import { startSim } from '../simulator/helpers.ts';
import { statusOf } from '../runtime/helpers.ts';
import { recordingProxy, startFetcher, type Harness } from './batch-fetcher-harness.ts';

const TOKEN = 'bb-secret-7f3a9c1e';

function leaks(h: Harness): string[] {
  const where: string[] = [];
  if (JSON.stringify(h.logs.entries).includes(TOKEN)) where.push('logs');
  if (JSON.stringify(h.sup.status()).includes(TOKEN)) where.push('status');
  return where;
}

test('without the token: failed polls that say a token is required; no crash', async (t) => {
  const sim = await startSim(t, { seed: 61, token: TOKEN, history: { batches: 50, students: 0, testRuns: 0 } });
  const proxy = await recordingProxy(t, sim.apiUrl);
  const h = await startFetcher(t, proxy.url);
  await h.polls(3);
  const c = h.counters();
  t.true(Number(c['failed_polls']) >= 3);
  t.is(c['polls'], 0);
  t.is(c['records'], 0);
  t.regex(String(c['last_error']), /requires an API token \(401\): set --api-token or BATCHBOARD_API_TOKEN/);
  t.true(proxy.seen.every((s) => s.auth === undefined));
  t.is(c['retries'], 0, 'a 401 is not retried');
  t.deepEqual(h.logs.of('batches.retry', 'BatchFetcher'), []);
  t.like(statusOf(h.sup, 'BatchFetcher'), { state: 'running', restarts: 0 });
  t.true(h.logs.of('batches.poll_failed', 'BatchFetcher').length >= 3);
  t.deepEqual(h.messages(), []);
});

test('a wrong token: refused, and never printed', async (t) => {
  const sim = await startSim(t, { seed: 62, token: TOKEN, history: { batches: 50, students: 0, testRuns: 0 } });
  const wrong = `${TOKEN}-old`;
  const h = await startFetcher(t, sim.apiUrl, { token: wrong });
  await h.polls(2);
  t.regex(String(h.counters()['last_error']), /refused the API token \(401\)/);
  t.false(JSON.stringify(h.logs.entries).includes(wrong));
  t.false(JSON.stringify(h.sup.status()).includes(wrong));
});

test('with the token: sent on every request, result exact, token nowhere in logs or status', async (t) => {
  const sim = await startSim(t, {
    seed: 63,
    token: TOKEN,
    history: { batches: 300, students: 0, testRuns: 0 },
    faults: { 'http-429': 0.1, 'http-5xx': 0.1, 'not-json': 0.1, 'resets': 0.1, 'invalid-batches': 0.05 },
    tuning: { retryAfterSec: 0 },
  });
  const proxy = await recordingProxy(t, sim.apiUrl);
  const h = await startFetcher(t, proxy.url, { token: TOKEN });
  await h.caughtUp(sim);
  sim.addBatches(10);
  await h.caughtUp(sim);
  t.true(proxy.seen.length > 3);
  t.true(proxy.seen.every((s) => s.auth === `Bearer ${TOKEN}`));
  t.is(sim.stats().api.byStatus['401'] ?? 0, 0);
  t.true(h.logs.entries.some((e) => e.event === 'batches.retry' || e.event === 'batches.poll_failed'), 'faults were logged');
  await h.sup.restart('BatchFetcher');
  await h.polls(1);
  t.deepEqual(leaks(h), []);
});
