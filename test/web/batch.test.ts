// A batch's page over HTTP (`batchboard serve`, either backend): the plain HTML with the batch's
// numbers and students before any script, its JSON equal to the reader's data, its CSV parsing back
// to the same rows (formula cells neutralised), a hostile name as text, 404s for what is not there,
// and the page's stream sending a commit that changes the batch.
import test from 'ava';
import { BACKENDS } from '../backends.ts';
import { waitFor } from '../wait.ts';
import { readWarehouse } from '../../src/storage/reader.ts';
import { emptyTx } from '../../src/storage/writer.ts';
import { dailySeries } from '../../src/web/batch-data.ts';
import { completing, HOSTILE, NOW, seeded, serve } from './helpers.ts';
import { get, listen, parseCsv } from './http.ts';

/** Students whose names and email a spreadsheet would take for formulas, or that break naive CSV. */
const AWKWARD = [
  { id: 10, name: '=HYPERLINK("http://evil.example","click")', email: '+1 555 0100' },
  { id: 11, name: '-2+3', email: '@SUM(A1:A9)' },
  { id: 12, name: 'a "quoted", name\nover two lines', email: null },
  { id: 13, name: HOSTILE, email: '<b>x</b>@example.com' },
];

for (const backend of BACKENDS) {
  test(`[${backend}] /batch/<id>.json is the reader's BatchDetail plus its daily series`, async (t) => {
    const { warehouse } = await seeded(t, backend);
    const { url } = await serve(t, ['--warehouse', warehouse, '--http', '127.0.0.1:0']);
    for (const id of [1, 2, 3]) {
      const res = await get(`${url}batch/${id}.json`);
      t.is(res.status, 200);
      t.is(res.headers['content-type'], 'application/json');
      const detail = await readWarehouse(warehouse, (r) => r.batchDetail(id));
      t.deepEqual(JSON.parse(res.body), { ...detail, daily: dailySeries(detail!.students) }, `batch ${id}`);
    }
    const two = JSON.parse((await get(`${url}batch/2.json`)).body);
    t.is(two.batch.name, HOSTILE);
    t.deepEqual([two.rank, two.batch.qualified_students, two.students.length], [1, 2, 2]);
    // Students 1 and 3 qualify with their third lesson, on March 3 and 5 (helpers.ts).
    t.deepEqual(two.students.map((s: { qualified_at: string }) => s.qualified_at), ['2024-03-03T10:00:00.000Z', '2024-03-05T10:00:00.000Z']);
    t.deepEqual(two.students[0].lessons, [1, 2, 3].map((l) => ({ lesson: l, at: `2024-03-0${l}T10:00:00.000Z` })));
    t.deepEqual(two.daily, [
      { day: '2024-03-03', qualified: 1 },
      { day: '2024-03-05', qualified: 2 },
    ]);
  });

  test(`[${backend}] /batch/<id>.csv: one quoted row per student, formulas neutralised, as a download`, async (t) => {
    const { warehouse, w } = await seeded(t, backend);
    await w.write({ ...emptyTx(NOW), students: AWKWARD.map((s) => ({ ...s, batch_id: 3, created_at: NOW })) });
    const { url } = await serve(t, ['--warehouse', warehouse, '--http', '127.0.0.1:0']);
    const res = await get(`${url}batch/3.csv`);
    t.is(res.status, 200);
    t.regex(String(res.headers['content-type']), /^text\/csv; charset=utf-8/);
    t.is(res.headers['content-disposition'], 'attachment; filename="batch-3.csv"');
    t.true(res.body.split('\r\n').filter(Boolean).every((l) => l.startsWith('"')), 'every cell quoted');
    const rows = parseCsv(res.body);
    t.deepEqual(rows[0], ['id', 'name', 'email', 'created_at', 'completed', 'qualified_at', 'lessons']);
    // Parsed back (and the neutralising quote taken off), the same rows as the warehouse's.
    const unneutralised = (c: string) => (/^'[=+\-@\t\r]/.test(c) ? c.slice(1) : c);
    const detail = (await readWarehouse(warehouse, (r) => r.batchDetail(3)))!;
    t.deepEqual(
      rows.slice(1).map((r) => r.map(unneutralised)),
      detail.students.map((s) => [String(s.id), s.name, s.email ?? '', s.created_at, String(s.completed), s.qualified_at ?? '', s.lessons.map((l) => `${l.lesson}@${l.at}`).join(';')]),
    );
    const byId = new Map(rows.slice(1).map((r) => [r[0], r]));
    t.is(byId.get('10')![1], `'${AWKWARD[0]!.name}`, 'no live formula');
    t.is(byId.get('10')![2], "'+1 555 0100");
    t.is(byId.get('11')![1], "'-2+3");
    t.is(byId.get('11')![2], "'@SUM(A1:A9)");
    t.is(byId.get('12')![1], AWKWARD[2]!.name, 'quotes, comma and line break inside one cell');
    t.is(byId.get('13')![1], HOSTILE, 'CSV is not HTML: the name as it is');
  });

  test(`[${backend}] /batch/<id>: the batch and its students as plain HTML, source text escaped; 404 for what is not there`, async (t) => {
    const { warehouse, w } = await seeded(t, backend);
    await w.write({ ...emptyTx(NOW), students: AWKWARD.map((s) => ({ ...s, batch_id: 2, created_at: NOW })) });
    const { url } = await serve(t, ['--warehouse', warehouse, '--http', '127.0.0.1:0']);
    const page = await get(`${url}batch/2`);
    t.is(page.status, 200);
    t.regex(String(page.headers['content-security-policy']), /default-src 'none'; script-src 'self'; style-src 'self'/);
    t.false(page.body.includes(HOSTILE), 'the hostile name never as markup');
    t.false(page.body.includes('<b>x</b>'));
    t.true(page.body.includes('<h1 id="b-name">&lt;img src=x onerror=alert(1)&gt;</h1>'));
    const tags = page.body.match(/<[a-z][^>]*>/gi)!;
    t.deepEqual(tags.filter((tag) => /\s(style|on[a-z]+)=/i.test(tag)), [], 'no inline style or handler');
    t.deepEqual(tags.filter((tag) => /^<(img|iframe|object)/i.test(tag)), [], 'no element made from the data');
    t.false(/<script>|<script [^>]*>[^<]/i.test(page.body), 'no inline script');
    const d = (await readWarehouse(warehouse, (r) => r.batchDetail(2)))!;
    const dd = (id: string) => new RegExp(`<dd id="${id}">([^<]*)</dd>`).exec(page.body)?.[1];
    t.is(dd('s-rank'), String(d.rank));
    t.is(dd('s-qualified'), String(d.batch!.qualified_students));
    t.is(dd('s-students'), String(d.batch!.student_count));
    t.is(dd('s-start'), d.batch!.start_date!);
    const rows = [...page.body.matchAll(/<tr data-id="(\d+)"( class="qualified")?>.*?<td class="n c">(\d+)<\/td>.*?<td class="qa">([^<]*)<\/td>/gs)];
    t.deepEqual(
      rows.map((m) => [Number(m[1]), m[2] !== undefined, Number(m[3]), m[4]]),
      d.students.map((s) => [s.id, s.completed >= d.minLessons, s.completed, s.qualified_at ?? '']),
    );
    t.true(page.body.includes('<a id="csv" href="/batch/2.csv">'));
    // Each leaderboard row links to its batch's page.
    t.true((await get(url)).body.includes('<a href="/batch/2">&lt;img src=x onerror=alert(1)&gt;</a>'));

    for (const path of ['batch/99', 'batch/0', 'batch/x', 'batch/2/more', 'batch/99999999999999999999']) {
      const r = await get(`${url}${path}`);
      t.is(r.status, 404, path);
      t.regex(String(r.headers['content-type']), /^text\/html/);
    }
    t.true((await get(`${url}batch/99`)).body.includes('No batch 99 in this warehouse'));
    const json = await get(`${url}batch/99.json`);
    t.is(json.status, 404);
    t.regex(JSON.parse(json.body).error, /No batch 99/);
    t.is((await get(`${url}batch/99.csv`)).status, 404);
    for (const asset of ['static/batch.js', 'static/uPlot.iife.min.js', 'static/uPlot.min.css']) t.is((await get(`${url}${asset}`)).status, 200, asset);
  });

  test(`[${backend}] a commit that changes the batch reaches its page's stream, and the compared batch's too`, async (t) => {
    const { warehouse, w } = await seeded(t, backend);
    const { url } = await serve(t, ['--warehouse', warehouse, '--http', '127.0.0.1:0']);
    const page = listen(t, `${url}batch/1/events?compare=2`);
    const latest = (id: number) => page.events.filter((e) => e.event === 'batch' && e.data.id === id).at(-1)?.data;
    await waitFor(() => latest(1) && latest(2), { what: 'both batches first' });
    t.is(latest(1).batch.qualified_students, 1);
    t.is(latest(2).batch.name, HOSTILE);
    // Student 4 is in batch 1: three lessons qualify it.
    await w.write({ ...emptyTx(NOW), completions: [completing([4, 1, NOW], [4, 2, NOW], [4, 3, NOW])] });
    const now = await waitFor(() => latest(1)?.batch.qualified_students === 2 && latest(1), { what: 'batch 1 with 2 qualified', timeoutMs: 10_000 });
    const detail = (await readWarehouse(warehouse, (r) => r.batchDetail(1)))!;
    t.deepEqual(now, { ...detail, daily: dailySeries(detail.students) });
    // Batch 1 now ties batch 2 and comes first by id: batch 2's rank moved, so it is sent again.
    await waitFor(() => latest(2)?.rank === 2, { what: 'batch 2 ranked second', timeoutMs: 10_000 });
    const none = listen(t, `${url}batch/99/events`);
    const first = await waitFor(() => none.events[0], { what: 'the stream of an unknown batch' });
    t.deepEqual(first.data, { id: 99, detail: null });
  });
}

test('with an access token, the batch routes need it and the page carries it in its links, form and stream', async (t) => {
  const { warehouse } = await seeded(t, 'sqlite');
  const token = 'a-long-enough-token-5678';
  const { url } = await serve(t, ['--warehouse', warehouse, '--http', '127.0.0.1:0', '--http-token', token]);
  const base = url.replace(/\?token=.*$/, '');
  for (const path of ['batch/1', 'batch/1.json', 'batch/1.csv', 'batch/1/events', 'static/batch.js']) t.is((await get(`${base}${path}`)).status, 401, path);
  const page = await get(`${base}batch/1?token=${token}`);
  t.is(page.status, 200);
  for (const link of [`href="/?token=${token}"`, `href="/batch/1.csv?token=${token}"`, `href="/batch/1.json?token=${token}"`, `<input type="hidden" name="token" value="${token}">`]) t.true(page.body.includes(link), link);
  t.true((await get(url)).body.includes(`<a href="/batch/1?token=${token}">alpha</a>`), "the leaderboard's link");
  t.is((await get(`${base}batch/1.csv`, { Authorization: `Bearer ${token}` })).status, 200);
  const stream = listen(t, `${base}batch/1/events?token=${token}`);
  await waitFor(() => stream.events.length > 0, { what: 'the stream with the token' });
  t.is(stream.status, 200);
});
