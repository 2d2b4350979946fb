// CONTRACTS §1: when a token is configured, every request needs `Authorization: Bearer <token>`.
import test from 'ava';
import { startSim } from './helpers.ts';

test('the bearer token is enforced', async (t) => {
  const sim = await startSim(t, { token: 's3cret-token' });
  const get = (headers: Record<string, string>) => fetch(`${sim.apiUrl}/batches?limit=1`, { headers });
  const none = await get({});
  t.is(none.status, 401);
  t.is(none.headers.get('www-authenticate'), 'Bearer');
  t.deepEqual(await none.json(), { error: 'missing or wrong bearer token' });
  t.is((await get({ authorization: 'Bearer wrong' })).status, 401);
  t.is((await get({ authorization: 'Bearer s3cret-toke' })).status, 401);
  t.is((await get({ authorization: 's3cret-token' })).status, 401);
  t.is((await get({ authorization: 'Basic s3cret-token' })).status, 401);
  t.is((await fetch(`${sim.apiUrl}/other`)).status, 401, 'no path is open without it');
  const ok = await get({ authorization: 'Bearer s3cret-token' });
  t.is(ok.status, 200);
  t.is(((await ok.json()) as { batches: unknown[] }).batches.length, 1);
});

test('without a token, no header is needed', async (t) => {
  const sim = await startSim(t);
  t.is((await fetch(`${sim.apiUrl}/batches`)).status, 200);
});
