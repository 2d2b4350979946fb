// A batch's page in real headless Chromium (Debian's `chromium`, driven by playwright-core),
// asserting what a person sees: the warehouse's numbers, hostile text shown as text with no
// script run, the chart drawn with a second batch laid over it once one is chosen, a commit shown
// without a reload, and no Content-Security-Policy violation on the way.
import test from 'ava';
import type { BrowserContext, Page } from 'playwright-core';
import { readWarehouse } from '../../src/storage/reader.ts';
import { emptyTx } from '../../src/storage/writer.ts';
import { completing, HOSTILE, serve } from './helpers.ts';
import { FLAG_NAME, seededDays } from './batch-seed.ts';
import { browser } from './chromium.ts';

/** What the functions run in the page touch (serialized: they name nothing of this file's; this project's types have no DOM). */
interface El {
  textContent: string | null;
  dataset: Record<string, string | undefined>;
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
}
interface Win {
  document: { getElementById(id: string): El | null; querySelector(s: string): El | null; querySelectorAll(s: string): ArrayLike<El> };
  pwned?: unknown;
  cspViolations?: string[];
}

/** A page that records dialogs, errors (CSP refusals are console errors too) and CSP violation events. */
async function watched(ctx: BrowserContext): Promise<{ page: Page; dialogs: string[]; errors: string[] }> {
  const page = await ctx.newPage();
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
  });
  // Runs before the page's own scripts (outside its CSP), so that no violation goes unseen.
  await page.addInitScript(() => {
    const w = globalThis as unknown as Win & { addEventListener(type: string, fn: (e: { violatedDirective: string; blockedURI: string }) => void): void };
    w.cspViolations = [];
    w.addEventListener('securitypolicyviolation', (e) => w.cspViolations!.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  return { page, dialogs, errors };
}

test('a batch page shows the warehouse numbers, hostile text as text, the chart with a batch laid over it, and a commit without a reload', async (t) => {
  const { warehouse, w } = await seededDays(t, 'sqlite');
  const { url } = await serve(t, ['--warehouse', warehouse, '--http', '127.0.0.1:0']);
  const ctx = await browser(t);
  const { page, dialogs, errors } = await watched(ctx);

  // From the leaderboard, by the batch's link.
  await page.goto(url);
  await page.click('#board a[href="/batch/1"]');
  await page.waitForURL(/\/batch\/1$/);
  await page.waitForFunction(() => (globalThis as unknown as Win).document.getElementById('live')?.textContent === 'live' && (globalThis as unknown as Win).document.getElementById('chart')?.dataset['series'] === '1', undefined, { timeout: 10_000 });

  const detail = (await readWarehouse(warehouse, (r) => r.batchDetail(1)))!;
  const text = (sel: string) => page.locator(sel).textContent();
  t.is(await text('#b-name'), 'alpha');
  t.is(await text('#s-rank'), String(detail.rank));
  t.is(await text('#s-qualified'), String(detail.batch!.qualified_students));
  t.is(await text('#s-students'), String(detail.batch!.student_count));
  const rows = await page.locator('#students tbody tr').evaluateAll((trs) =>
    (trs as unknown as { dataset: { id: string }; className: string; querySelector(s: string): El; querySelectorAll(s: string): El[] }[]).map((tr) => [
      Number(tr.dataset.id),
      Number(tr.querySelector('td.c').textContent),
      [...tr.querySelectorAll('ol.lessons li')].map((li) => li.textContent),
      tr.querySelector('td.qa').textContent,
      tr.className === 'qualified' && tr.querySelector('td.mark').textContent === '✓ qualifies',
    ]),
  );
  t.deepEqual(rows, detail.students.map((s) => [s.id, s.completed, s.lessons.map((l) => `lesson ${l.lesson} ${l.at}`), s.qualified_at ?? '', s.completed >= detail.minLessons]));
  t.deepEqual(
    detail.students.map((s) => s.qualified_at),
    ['2024-03-02T12:00:00.000Z', '2024-03-04T12:00:00.000Z', null, null],
    'their third lessons (batch-seed.ts)',
  );

  // Another batch laid over the chart: the one with the hostile name, in the legend as text.
  await page.selectOption('select[name=compare]', '2');
  await page.waitForFunction(() => (globalThis as unknown as Win).document.getElementById('chart')?.dataset['series'] === '2', undefined, { timeout: 10_000 });
  t.regex(page.url(), /\/batch\/1\?compare=2$/);
  const legend = await page.locator('#chart .u-legend .u-series .u-label').allTextContents();
  t.deepEqual(legend.slice(1), ['alpha', HOSTILE]);
  // Both lines drawn: pixels of each series' colour on the canvas.
  const drawn = await page.evaluate(() => {
    const c = (globalThis as unknown as Win).document.querySelector('#chart canvas')!;
    const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    // No named function in here: the test's transpiler would wrap it in a helper the page lacks.
    let blue = 0;
    let red = 0;
    for (let i = 0; i < px.length; i += 4) {
      if (px[i + 3] !== 255) continue;
      if (px[i] === 0x09 && px[i + 1] === 0x69 && px[i + 2] === 0xda) blue++;
      if (px[i] === 0xcf && px[i + 1] === 0x22 && px[i + 2] === 0x2e) red++;
    }
    return { blue, red };
  });
  t.true(drawn.blue > 20 && drawn.red > 20, JSON.stringify(drawn));

  // A commit that qualifies student 103 (batch 1) shows on the open page.
  await w.write({ ...emptyTx('2024-03-06T12:00:00.000Z'), completions: [completing([103, 3, '2024-03-06T12:00:00.000Z'])] });
  await page.waitForFunction(() => (globalThis as unknown as Win).document.getElementById('s-qualified')?.textContent === '3', undefined, { timeout: 10_000 });
  t.is(await page.locator('#students tbody tr[data-id="103"] td.mark').textContent(), '✓ qualifies');
  t.is(await page.locator('#students tbody tr[data-id="103"] td.qa').textContent(), '2024-03-06T12:00:00.000Z');

  t.deepEqual(await page.evaluate(() => (globalThis as unknown as Win).cspViolations), [], 'no CSP violation with the chart drawn');

  // The hostile batch's own page: its name, and a student's, as characters; nothing of them ran.
  await page.goto(`${url}batch/2`);
  await page.waitForFunction(() => (globalThis as unknown as Win).document.getElementById('chart')?.dataset['series'] === '1', undefined, { timeout: 10_000 });
  t.is(await text('#b-name'), HOSTILE);
  t.is(await page.locator('#students tbody tr[data-id="204"] td').nth(1).textContent(), FLAG_NAME);
  t.is(await page.locator('main img, body img').count(), 0, 'no element made of the data');
  t.is(await page.evaluate(() => (globalThis as unknown as Win).pwned), undefined, 'the window flag untouched');
  t.deepEqual(await page.evaluate(() => (globalThis as unknown as Win).cspViolations), [], 'no CSP violation');
  t.deepEqual(dialogs, [], 'no script from the data ran');
  t.deepEqual(errors, []);
});

test('a batch page works before its script: numbers and students in the HTML, a 404 page for an unknown batch', async (t) => {
  const { warehouse } = await seededDays(t, 'sqlite');
  const { url } = await serve(t, ['--warehouse', warehouse, '--http', '127.0.0.1:0']);
  const ctx = await browser(t);
  const page = await ctx.newPage();
  await page.route('**/static/*.js', (r) => r.abort());
  await page.goto(`${url}batch/2?compare=1`);
  t.is(await page.locator('#b-name').textContent(), HOSTILE);
  t.is(await page.locator('#s-qualified').textContent(), '4');
  t.is(await page.locator('#students tbody tr.qualified').count(), 4);
  t.is(await page.locator('select[name=compare]').inputValue(), '1', 'the comparison chosen, for the form to keep');
  const missing = await page.goto(`${url}batch/77`);
  t.is(missing!.status(), 404);
  t.regex((await page.locator('#missing').textContent())!, /No batch 77/);
});
