// The leaderboard page in real headless Chromium (Debian's `chromium`, driven by playwright-core),
// asserting what a person sees: the numbers before and after a commit without a reload, the moved
// batch marked, a hostile batch name shown as text with no script run, filters in the page.
import fs from 'node:fs';
import test from 'ava';
import { emptyTx } from '../../src/storage/writer.ts';
import { completing, HOSTILE, NOW, seeded, serve } from './helpers.ts';
import { browser, chromiumPath } from './chromium.ts';

/** The page's document, in the functions that run in the page (serialized: they name nothing of this file's; this project's types have no DOM). */
interface Doc {
  getElementById(id: string): { textContent: string | null } | null;
  querySelector(s: string): { textContent: string | null; getAttribute(name: string): string | null } | null;
  querySelectorAll(s: string): { length: number };
}

test('an open page shows a commit without a reload, marks the batch that moved, and shows a hostile name as text', async (t) => {
  const { warehouse, w } = await seeded(t, 'sqlite');
  const { url } = await serve(t, ['--warehouse', warehouse, '--http', '127.0.0.1:0']);
  const ctx = await browser(t);
  const page = await ctx.newPage();
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(url);
  await page.waitForFunction(() => (globalThis as unknown as { document: Doc }).document.getElementById('live')?.textContent === 'live', undefined, { timeout: 10_000 });
  const cellOf = (id: number, col: number) => page.locator(`#board tbody tr[data-id="${id}"] td`).nth(col).textContent();

  t.is(await cellOf(2, 1), HOSTILE, 'the name, character for character');
  t.is(await page.locator('#board tbody img').count(), 0, 'no element made of it');
  t.is(await cellOf(1, 3), '1');

  const before = Date.now();
  await w.write({ ...emptyTx(NOW), completions: [completing([4, 1, NOW], [4, 2, NOW], [4, 3, NOW])] });
  await page.waitForFunction(() => (globalThis as unknown as { document: Doc }).document.querySelector('#board tbody tr[data-id="1"] td:nth-child(4)')?.textContent === '2', undefined, { timeout: 10_000 });
  t.log(`the number changed on the page ${Date.now() - before} ms after the commit`);
  t.is(await page.locator('#board tbody tr[data-id="1"]').getAttribute('class'), 'moved');
  t.is(await cellOf(1, 5), '100.0%', 'both its students qualified');
  // It moved up: first now (2 qualified, the lower id), the batch it passed second, ranks rewritten.
  const order = () => page.locator('#board tbody tr').evaluateAll((trs) => trs.map((tr) => [(tr as unknown as { dataset: { id: string } }).dataset.id, (tr as unknown as { children: { textContent: string }[] }).children[0]!.textContent]));
  t.deepEqual(await order(), [['1', '1'], ['2', '2'], ['3', '3']]);

  // Filters in the page: the address keeps them.
  await page.fill('input[name=q]', 'alp');
  await page.waitForFunction(() => (globalThis as unknown as { document: Doc }).document.querySelectorAll('#board tbody tr').length === 1);
  t.is(await cellOf(1, 1), 'alpha');
  t.regex(page.url(), /\?q=alp/);
  // Cleared, every row is back in its place; sorted by name, the rows move, ranks kept.
  await page.fill('input[name=q]', '');
  await page.waitForFunction(() => (globalThis as unknown as { document: Doc }).document.querySelectorAll('#board tbody tr').length === 3);
  t.deepEqual(await order(), [['1', '1'], ['2', '2'], ['3', '3']]);
  await page.selectOption('select[name=sort]', 'name');
  await page.waitForFunction(() => (globalThis as unknown as { document: Doc }).document.querySelector('#board tbody tr')?.getAttribute('data-id') === '2');
  // '<img ...' sorts before 'alpha' and 'gamma'.
  t.deepEqual(await order(), [['2', '2'], ['1', '1'], ['3', '3']]);
  t.deepEqual(dialogs, [], 'no script from the data ran');
  t.deepEqual(errors, []);
  t.true(fs.existsSync(chromiumPath()));
});
