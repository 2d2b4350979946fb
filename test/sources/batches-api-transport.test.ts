// No whole answer (a timeout, a closed or reset connection, a body cut off) is retried; the page
// arrives once the server answers.
import test from 'ava';
import { BatchesApi } from '../../src/sources/batches/api.ts';
import { BATCH, hangUp, page, QUICK, scriptedServer, silent } from './batches-api-server.ts';

test('a request with no answer within timeoutMs is retried', async (t) => {
  const srv = await scriptedServer(t, [silent, page([BATCH])]);
  const reasons: string[] = [];
  const api = new BatchesApi({ url: srv.url, timeoutMs: 300, retry: QUICK, onRetry: (r) => reasons.push(r.reason) });
  t.teardown(() => api.close());

  t.deepEqual(await api.fetchPage({}), { entries: [BATCH], hasMore: false });
  t.is(srv.seen.length, 2);
  t.true(srv.seen[1]!.at - srv.seen[0]!.at >= 250, 'retried after the timeout, not at once');
  t.deepEqual(reasons, ['no answer within 300 ms']);
});

test('hang-ups, resets and a body cut off mid-way are retried', async (t) => {
  const srv = await scriptedServer(t, [
    hangUp,
    (req) => req.socket.resetAndDestroy(),
    (req, res) => {
      const body = JSON.stringify({ batches: [BATCH, BATCH], has_more: false });
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(body.length) });
      res.write(body.slice(0, 20), () => req.socket.destroy());
    },
    page([BATCH]),
  ]);
  const reasons: string[] = [];
  const api = new BatchesApi({ url: srv.url, retry: QUICK, onRetry: (r) => reasons.push(r.reason) });
  t.teardown(() => api.close());

  t.deepEqual(await api.fetchPage({}), { entries: [BATCH], hasMore: false });
  t.is(srv.seen.length, 4);
  t.is(reasons.length, 3, reasons.join(' | '));
});

test('a server that keeps hanging up fails after the retries, naming the URL', async (t) => {
  const srv = await scriptedServer(t, [hangUp]);
  const api = new BatchesApi({ url: srv.url, retry: { initialMs: 5, maxMs: 10, limit: 2 } });
  t.teardown(() => api.close());
  const err = await t.throwsAsync(api.fetchPage({}), { name: 'ApiError' });
  t.is(srv.seen.length, 3);
  t.true(err!.message.startsWith(`${srv.url}/batches still failing after 2 retries: `), err!.message);
});
