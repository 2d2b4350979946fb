// The bearer token: sent on every request when set; a 401/403 is an error that says the token was
// refused (or is missing) without printing it, and is not retried. Other 4xx are not retried either.
import test from 'ava';
import { ApiError } from '../../src/sources/batches/errors.ts';
import { BatchesApi } from '../../src/sources/batches/api.ts';
import { BATCH, json, page, QUICK, scriptedServer } from './batches-api-server.ts';

const TOKEN = 'tok-9f8e7d6c5b4a';

test('every request carries Authorization: Bearer <token>, retries too', async (t) => {
  const srv = await scriptedServer(t, [json(503, {}), page([BATCH])]);
  const api = new BatchesApi({ url: srv.url, token: TOKEN, retry: QUICK });
  t.teardown(() => api.close());
  await api.fetchPage({});
  t.deepEqual(
    srv.seen.map((s) => s.headers.authorization),
    [`Bearer ${TOKEN}`, `Bearer ${TOKEN}`],
  );
});

test('no token: no Authorization header; a 401 says a token is required', async (t) => {
  const srv = await scriptedServer(t, [json(401, { error: 'missing or wrong bearer token' })]);
  const api = new BatchesApi({ url: srv.url, retry: QUICK });
  t.teardown(() => api.close());
  const err = (await t.throwsAsync(api.fetchPage({}), { instanceOf: ApiError })) as ApiError;
  t.is(srv.seen[0]!.headers.authorization, undefined);
  t.like(err, { kind: 'auth', status: 401 });
  t.is(err.message, `${srv.url}/batches requires an API token (401): set --api-token or BATCHBOARD_API_TOKEN`);
  t.is(srv.seen.length, 1, 'not retried');
});

test('a refused token: the message says so and never holds the token, even if the server echoes it', async (t) => {
  const srv = await scriptedServer(t, [json(401, { error: `token ${TOKEN} is not valid` }), json(400, { error: `bad request from ${TOKEN}` })]);
  const api = new BatchesApi({ url: srv.url, token: TOKEN, retry: QUICK });
  t.teardown(() => api.close());
  const refused = (await t.throwsAsync(api.fetchPage({}), { instanceOf: ApiError })) as ApiError;
  t.like(refused, { kind: 'auth', status: 401 });
  t.regex(refused.message, /refused the API token \(401\)/);
  t.false(refused.message.includes(TOKEN));
  t.false(String(refused.stack).includes(TOKEN));

  const bad = (await t.throwsAsync(api.fetchPage({}), { instanceOf: ApiError })) as ApiError;
  t.like(bad, { kind: 'status', status: 400 });
  t.regex(bad.message, /answered 400: \{"error":"bad request from <token>"\}/);
  t.false(bad.message.includes(TOKEN));
  t.is(srv.seen.length, 2, 'neither retried');
});

test('credentials in the URL are not shown in messages', async (t) => {
  const srv = await scriptedServer(t, [json(404, { error: 'no' })]);
  const api = new BatchesApi({ url: srv.url.replace('http://', 'http://user:pa55@'), retry: QUICK });
  t.teardown(() => api.close());
  const err = await t.throwsAsync(api.fetchPage({}), { instanceOf: ApiError });
  t.false(err!.message.includes('pa55'));
  t.true(err!.message.startsWith(`${srv.url}/batches answered 404`), err!.message);
});

test('a body that echoes the request headers: no excerpt of it shows any part of the token', async (t) => {
  // The token starts at character 30 of the body: a 40-character excerpt cut before scrubbing
  // showed its first 10 characters; JSON.parse's own message quoted another cut.
  const echo = `GET /batches HTTP/1.1\nauth: Bearer ${TOKEN}\nhost: x\n`;
  const long = `${'x'.repeat(190)} Bearer ${TOKEN} ${'y'.repeat(300)}`;
  const srv = await scriptedServer(t, [
    (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end(echo);
    },
    json(400, long),
  ]);
  const api = new BatchesApi({ url: srv.url, token: TOKEN, retry: { ...QUICK, limit: 0 } });
  t.teardown(() => api.close());
  const notJson = (await t.throwsAsync(api.fetchPage({}), { instanceOf: ApiError })) as ApiError;
  t.like(notJson, { kind: 'body' });
  t.regex(notJson.message, /not JSON \(it starts "GET \/batches HTTP\/1\.1 auth: Bearer <toke/);
  const bad = (await t.throwsAsync(api.fetchPage({}), { instanceOf: ApiError })) as ApiError;
  t.like(bad, { kind: 'status', status: 400 });
  for (const err of [notJson, bad]) {
    for (let n = 4; n <= TOKEN.length; n++) t.false(err.message.includes(TOKEN.slice(0, n)), `no ${n} first characters of the token: ${err.message}`);
  }
});
