// An abort (the actor stopping) ends a request in flight and a backoff sleep at once.
import test from 'ava';
import { BatchesApi } from '../../src/sources/batches/api.ts';
import { settledFlag } from '../settled.ts';
import { waitFor } from '../wait.ts';
import { json, QUICK, scriptedServer, silent } from './batches-api-server.ts';

// Both waits the abort must end are far longer than these deadlines (a 60 s request timeout, a
// 120 s Retry-After): an abort that did nothing fails on the deadline, not on ava's timeout.
const ENDS_WITHIN_MS = 15_000;

test('aborting ends a request that is waiting for its answer', async (t) => {
  const srv = await scriptedServer(t, [silent]);
  const api = new BatchesApi({ url: srv.url, timeoutMs: 60_000, retry: QUICK });
  t.teardown(() => api.close());
  const ac = new AbortController();
  const pending = api.fetchPage({}, ac.signal);
  const settled = settledFlag(pending);
  await waitFor(() => srv.seen.length > 0, { what: 'the request to reach the server' });
  t.false(settled(), 'the request to a silent server was still waiting before the abort');
  ac.abort();
  await waitFor(settled, { timeoutMs: ENDS_WITHIN_MS, what: 'the aborted request to end' });
  await t.throwsAsync(pending, { name: 'AbortError' });
  t.is(srv.seen.length, 1);
});

test('aborting ends a Retry-After wait', async (t) => {
  const srv = await scriptedServer(t, [json(429, {}, { 'Retry-After': '120' })]);
  let retried = 0;
  const api = new BatchesApi({ url: srv.url, retry: QUICK, onRetry: () => retried++ });
  t.teardown(() => api.close());
  const ac = new AbortController();
  const pending = api.fetchPage({}, ac.signal);
  const settled = settledFlag(pending);
  await waitFor(() => retried > 0, { what: 'the 429 to start a Retry-After wait' });
  t.false(settled(), 'the request was waiting out the Retry-After before the abort');
  ac.abort();
  await waitFor(settled, { timeoutMs: ENDS_WITHIN_MS, what: 'the aborted Retry-After wait to end' });
  await t.throwsAsync(pending, { name: 'AbortError' });
  t.is(retried, 1);
  t.is(srv.seen.length, 1);
});
