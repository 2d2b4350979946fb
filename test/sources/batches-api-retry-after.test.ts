// A 429 with Retry-After: the client waits at least that long before asking again, then gets the
// page. The wait is measured between the two requests as the server saw them.
import test from 'ava';
import { BatchesApi } from '../../src/sources/batches/api.ts';
import { BATCH, json, page, QUICK, scriptedServer } from './batches-api-server.ts';

test('a 429 is retried after at least Retry-After seconds', async (t) => {
  const srv = await scriptedServer(t, [json(429, { error: 'too many requests' }, { 'Retry-After': '1' }), page([BATCH])]);
  const retries: { delayMs: number; reason: string }[] = [];
  const api = new BatchesApi({ url: srv.url, retry: QUICK, onRetry: (r) => retries.push(r) });
  t.teardown(() => api.close());

  const got = await api.fetchPage({ limit: 10 });

  t.deepEqual(got, { entries: [BATCH], hasMore: false });
  t.is(srv.seen.length, 2);
  t.true(srv.seen[1]!.at - srv.seen[0]!.at >= 1000, `asked again after ${srv.seen[1]!.at - srv.seen[0]!.at} ms`);
  t.is(retries.length, 1);
  t.true(retries[0]!.delayMs >= 1000);
  t.regex(retries[0]!.reason, /429/);
});

test('a 503 with Retry-After is honoured too; without one, 5xx is retried with backoff', async (t) => {
  const srv = await scriptedServer(t, [
    json(503, { error: 'service unavailable' }, { 'Retry-After': '1' }),
    json(500, { error: 'internal server error' }),
    (_req, res) => {
      res.writeHead(502, { 'Content-Type': 'text/html' });
      res.end('<html>502 Bad Gateway</html>');
    },
    page([BATCH], true),
  ]);
  const api = new BatchesApi({ url: srv.url, retry: QUICK });
  t.teardown(() => api.close());

  t.deepEqual(await api.fetchPage({}), { entries: [BATCH], hasMore: true });
  t.is(srv.seen.length, 4);
  t.true(srv.seen[1]!.at - srv.seen[0]!.at >= 1000);
});

test('retries run out: the error names the URL and the last failure', async (t) => {
  const srv = await scriptedServer(t, [json(503, { error: 'down' })]);
  const api = new BatchesApi({ url: srv.url, retry: QUICK });
  t.teardown(() => api.close());

  const err = await t.throwsAsync(api.fetchPage({ after: '2024-03-02T10:00:00.000Z', afterId: 7 }), { name: 'ApiError' });
  t.is(srv.seen.length, QUICK.limit + 1);
  t.is(srv.seen[0]!.url, '/batches?after=2024-03-02T10%3A00%3A00.000Z&after_id=7');
  t.regex(err!.message, new RegExp(`^${srv.url}/batches\\?after=.* still failing after 3 retries: 503`));
});
