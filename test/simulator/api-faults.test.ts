// CONTRACTS §1: 429 with Retry-After, 5xx, slow answers, a 200 that is not JSON or not of the
// shape, a reset connection; queued on demand or drawn at a rate.
import test from 'ava';
import { RESET_KINDS } from '../../src/simulator/index.ts';
import { getPage, startSim } from './helpers.ts';

test('queued faults answer the next requests in order, then normal answers resume', async (t) => {
  const sim = await startSim(t, { tuning: { retryAfterSec: 7 } });
  sim.nextApiResponses([{ type: '429' }, { type: '429', retryAfterSec: 2 }, { type: '5xx', status: 503 }, { type: '5xx', status: 502 }, { type: 'not-json' }, { type: 'wrong-shape' }]);
  const url = `${sim.apiUrl}/batches?limit=5`;

  const a = await fetch(url);
  t.is(a.status, 429);
  t.is(a.headers.get('retry-after'), '7');
  const b = await fetch(url);
  t.is(b.headers.get('retry-after'), '2');
  t.is((await fetch(url)).status, 503);
  const gateway = await fetch(url);
  t.is(gateway.status, 502);
  t.regex(await gateway.text(), /Bad Gateway/);

  const notJson = await fetch(url);
  t.is(notJson.status, 200);
  t.is(notJson.headers.get('content-type'), 'application/json', 'it lies about its type');
  const text = await notJson.text();
  t.throws(() => JSON.parse(text));

  const shape = await fetch(url);
  t.is(shape.status, 200);
  const body = (await shape.json()) as Record<string, unknown>;
  t.false(Array.isArray(body['batches']) && typeof body['has_more'] === 'boolean', 'not the contract shape');

  t.is((await getPage(url)).batches.length, 5);
  t.is(sim.stats().api.faults['429'], 2);
});

test('a slow answer arrives late but whole', async (t) => {
  const sim = await startSim(t);
  sim.nextApiResponses([{ type: 'slow', delayMs: 400 }]);
  const start = Date.now();
  const page = await getPage(`${sim.apiUrl}/batches?limit=3`);
  t.true(Date.now() - start >= 350, 'it waited');
  t.is(page.batches.length, 3);
});

test('a reset connection gives no whole answer: closed, reset, or cut off mid-body', async (t) => {
  const sim = await startSim(t);
  for (const how of RESET_KINDS) {
    sim.nextApiResponses([{ type: 'reset', how }]);
    // fetch resolves at the headers; a 200 cut off mid-body fails while reading it.
    await t.throwsAsync(fetch(`${sim.apiUrl}/batches`).then((r) => r.text()), undefined, how);
  }
  t.is(sim.stats().api.faults.reset, RESET_KINDS.length);
  t.is((await getPage(`${sim.apiUrl}/batches?limit=1`)).batches.length, 1);
});

test('at a rate of 1, every request gets that fault', async (t) => {
  const sim = await startSim(t, { faults: { 'http-5xx': 1 } });
  for (let i = 0; i < 5; i++) t.true((await fetch(`${sim.apiUrl}/batches`)).status >= 500);
});

test('faults never hide a bad request or a missing token', async (t) => {
  const sim = await startSim(t, { token: 'tok', faults: { 'http-429': 1 } });
  t.is((await fetch(`${sim.apiUrl}/batches`)).status, 401);
  t.is((await fetch(`${sim.apiUrl}/batches?limit=0`, { headers: { authorization: 'Bearer tok' } })).status, 400);
  t.is((await fetch(`${sim.apiUrl}/batches`, { headers: { authorization: 'Bearer tok' } })).status, 429);
});
