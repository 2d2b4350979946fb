// An abort (the actor stopping) ends a request in flight and a backoff sleep at once.
import test from 'ava';
import { BatchesApi } from '../../src/sources/batches/api.ts';
import { json, QUICK, scriptedServer, silent } from './batches-api-server.ts';

test('aborting ends a request that is waiting for its answer', async (t) => {
  const srv = await scriptedServer(t, [silent]);
  const api = new BatchesApi({ url: srv.url, timeoutMs: 60_000, retry: QUICK });
  t.teardown(() => api.close());
  const ac = new AbortController();
  const pending = api.fetchPage({}, ac.signal);
  while (srv.seen.length === 0) await new Promise((r) => setTimeout(r, 10));
  ac.abort();
  await t.throwsAsync(pending, { name: 'AbortError' });
  t.is(srv.seen.length, 1);
});

test('aborting ends a Retry-After wait', async (t) => {
  const srv = await scriptedServer(t, [json(429, {}, { 'Retry-After': '120' })]);
  let retried = false;
  const api = new BatchesApi({ url: srv.url, retry: QUICK, onRetry: () => (retried = true) });
  t.teardown(() => api.close());
  const ac = new AbortController();
  const pending = api.fetchPage({}, ac.signal);
  while (!retried) await new Promise((r) => setTimeout(r, 10));
  ac.abort();
  await t.throwsAsync(pending, { name: 'AbortError' });
  t.is(srv.seen.length, 1);
});
