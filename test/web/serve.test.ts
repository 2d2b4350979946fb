// `batchboard serve` (CONTRACTS §5): the leaderboard page over a warehouse of either backend, read
// only, as a browser gets it over HTTP: plain HTML with the numbers before any script, a batch's
// hostile name as text, a strict Content-Security-Policy, the same numbers as the warehouse, and a
// commit showing on an open page's event stream; an address other than loopback only with a token.
import path from 'node:path';
import test from 'ava';
import { BACKENDS } from '../backends.ts';
import { tempDir } from '../e2e/helpers.ts';
import { batchboard } from '../cli/helpers.ts';
import { waitFor } from '../wait.ts';
import { readWarehouse } from '../../src/storage/reader.ts';
import { emptyTx } from '../../src/storage/writer.ts';
import { completing, HOSTILE, NOW, seeded, serve } from './helpers.ts';
import { get, listen } from './http.ts';

for (const backend of BACKENDS) {
  test(`[${backend}] the page shows the warehouse's numbers as plain HTML, the hostile name as text, under a strict CSP`, async (t) => {
    const { warehouse } = await seeded(t, backend);
    const { url } = await serve(t, ['--warehouse', warehouse, '--http', '127.0.0.1:0']);
    t.regex(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await get(url);
    t.is(page.status, 200);
    t.regex(String(page.headers['content-security-policy']), /default-src 'none'; script-src 'self'/);
    t.true(page.body.includes('&lt;img src=x onerror=alert(1)&gt;'));
    t.false(page.body.includes(HOSTILE));
    t.false(/<script>/.test(page.body), 'no inline script');
    // The rows, in rank order, as the warehouse holds them.
    const board = await readWarehouse(warehouse, (r) => r.board());
    const shown = [...page.body.matchAll(/<tr data-id="(\d+)"><td class="n">(\d+)<\/td>.*?<td class="n q">(\d+)<\/td><td class="n">(\d+)<\/td>/g)].map((m) => m.slice(1).map(Number));
    t.deepEqual(shown, board.map((b, i) => [b.id, i + 1, b.qualified_students, b.student_count]));
    t.deepEqual(board.map((b) => [b.id, b.qualified_students]), [[2, 2], [1, 1], [3, 0]]);
    const json = await get(`${url}board.json`);
    t.deepEqual(JSON.parse(json.body), board.map((b, i) => ({ rank: i + 1, ...b })));
    // Filters work without any script (a GET form).
    const filtered = await get(`${url}?q=alp`);
    t.is([...filtered.body.matchAll(/<tr data-id="(\d+)"/g)].map((m) => Number(m[1])).join(','), '1');
    for (const asset of ['static/app.js', 'static/style.css']) t.is((await get(`${url}${asset}`)).status, 200, asset);
    t.is((await get(`${url}nothing`)).status, 404);
    t.is((await get(url, {}, 'POST')).status, 405, 'read-only: nothing but GET');
  });

  test(`[${backend}] a commit reaches an open page's event stream: the batch's new number`, async (t) => {
    const { warehouse, w } = await seeded(t, backend);
    const { url } = await serve(t, ['--warehouse', warehouse, '--http', '127.0.0.1:0']);
    const page = listen(t, `${url}events`);
    const first = await waitFor(() => page.events.find((e) => e.event === 'board'), { what: 'the whole leaderboard first' });
    t.is(first.data.rows.find((r: { id: number }) => r.id === 1).qualified_students, 1);
    // Student 4 is in batch 1: three lessons qualify it.
    await w.write({ ...emptyTx(NOW), completions: [completing([4, 1, NOW], [4, 2, NOW], [4, 3, NOW])] });
    const change = await waitFor(() => page.events.find((e) => e.event === 'changes' && e.data.rows.some((r: { id: number }) => r.id === 1)), {
      what: 'the change of batch 1',
      timeoutMs: 10_000,
    });
    t.is(change.data.rows.find((r: { id: number }) => r.id === 1).qualified_students, 2);
  });
}

test('another address than loopback needs a token; with one, every request carries it', async (t) => {
  const warehouse = path.join(tempDir(t), 'missing.db');
  const refused = await batchboard(['serve', '--warehouse', warehouse, '--http', '0.0.0.0:0']);
  t.is(refused.code, 2);
  t.regex(refused.stderr, /--http 0\.0\.0\.0 is not a loopback address: set --http-token/);
  t.is(refused.stderr.trim().split('\n').length, 1);
  const missing = await batchboard(['serve', '--warehouse', warehouse, '--http', '127.0.0.1:0']);
  t.is(missing.code, 2);
  t.regex(missing.stderr, /does not exist/);

  const { warehouse: w } = await seeded(t, 'sqlite');
  const token = 'a-long-enough-token-1234';
  const { url } = await serve(t, ['--warehouse', w, '--http', '127.0.0.1:0', '--http-token', token]);
  t.true(url.endsWith(`/?token=${token}`));
  const bare = url.replace(/\?token=.*$/, '');
  t.is((await get(bare)).status, 401);
  t.is((await get(`${bare}?token=wrong-token-of-length-24`)).status, 401);
  t.is((await get(url)).status, 200);
  t.is((await get(`${bare}board.json`, { Authorization: `Bearer ${token}` })).status, 200);
  t.is((await get(`${bare}events`)).status, 401);
  // The page's own assets are asked for with the token too, or its script would be refused.
  const page = (await get(url)).body;
  for (const asset of ['/static/app.js', '/static/style.css']) {
    t.true(page.includes(`${asset}?token=${token}`), asset);
    t.is((await get(`${bare.replace(/\/$/, '')}${asset}?token=${token}`)).status, 200, asset);
    t.is((await get(`${bare.replace(/\/$/, '')}${asset}`)).status, 401, `${asset} without the token`);
  }
});
