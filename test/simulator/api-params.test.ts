// CONTRACTS §1: `after`, `after_id`, `limit` exactly as written; 400 for a bad one; 404 elsewhere.
import test from 'ava';
import { getPage, startSim } from './helpers.ts';

const BAD: [string, RegExp][] = [
  ['limit=0', /'limit' must be an integer from 1 to 100, got '0'/],
  ['limit=101', /'limit'/],
  ['limit=-1', /'limit'/],
  ['limit=abc', /'limit'/],
  ['limit=1.5', /'limit'/],
  ['limit=', /'limit'/],
  ['after=2024-03-02', /'after' must be a timestamp/],
  ['after=2024-03-02T10:00:00Z', /'after'/],
  ['after=2024-03-02T10:00:00.000%2B01:00', /'after'/],
  ['after=2024-02-30T10:00:00.000Z', /'after'/],
  ['after=yesterday', /'after'/],
  ['after_id=5', /'after_id' is only allowed together with 'after'/],
  ['after=2024-03-02T10:00:00.000Z&after_id=0', /'after_id' must be a positive integer/],
  ['after=2024-03-02T10:00:00.000Z&after_id=-3', /'after_id'/],
  ['after=2024-03-02T10:00:00.000Z&after_id=x', /'after_id'/],
  ['limit=5&limit=6', /given more than once/],
  ['page=2', /unknown query parameter 'page'/],
];

for (const [query, message] of BAD) {
  test(`400 for ?${query}`, async (t) => {
    const sim = await startSim(t);
    const res = await fetch(`${sim.apiUrl}/batches?${query}`);
    t.is(res.status, 400);
    t.is(res.headers.get('content-type'), 'application/json');
    const body = (await res.json()) as { error: string };
    t.regex(body.error, message);
  });
}

test('404 with a JSON error for other paths, 405 for other methods', async (t) => {
  const sim = await startSim(t);
  for (const path of ['/', '/batches/', '/batches/1', '/students', '//host/batches', '/BATCHES']) {
    const res = await fetch(`${sim.apiUrl}${path}`);
    t.is(res.status, 404, path);
    t.regex(((await res.json()) as { error: string }).error, /no such path/);
  }
  const post = await fetch(`${sim.apiUrl}/batches`, { method: 'POST' });
  t.is(post.status, 405);
  t.is(post.headers.get('allow'), 'GET');
  t.is((await fetch(`${sim.apiUrl}/batches`, { method: 'DELETE' })).status, 405);
});

test('limit defaults to 100, has_more is exact, after is strictly later', async (t) => {
  const sim = await startSim(t, { history: { batches: 250, students: 0, testRuns: 0 } });
  const all = [...sim.ledger.batches.values()];
  const first = await getPage(`${sim.apiUrl}/batches`);
  t.is(first.batches.length, 100);
  t.true(first.has_more);
  t.deepEqual(first.batches[0], all[0]);
  const exact = await getPage(`${sim.apiUrl}/batches?after=${all[149]!.created_at}&after_id=${all[149]!.id}`);
  t.is(exact.batches.length, 100);
  t.false(exact.has_more, '100 left, 100 served: nothing more');
  const one = await getPage(`${sim.apiUrl}/batches?after=${all[248]!.created_at}&limit=1`);
  t.deepEqual(one, { batches: [all[249]!], has_more: false });
  const none = await getPage(`${sim.apiUrl}/batches?after=${all[249]!.created_at}&limit=100`);
  t.deepEqual(none, { batches: [], has_more: false });
});
