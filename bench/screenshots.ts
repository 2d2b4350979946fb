// The README's screenshots, taken by the browser the tests drive (headless Chromium, playwright-core)
// from the demo itself: `batchboard start` with no sources, run in a temporary directory (it writes
// data/demo/ and data/warehouse.db under its working directory) on a free port. Once the history
// is in and the live sources have moved the numbers, it takes, at 1280x800:
//   docs/screenshots/leaderboard.png  the leaderboard, live
//   docs/screenshots/batch.png        the top batch's page, the second batch laid over its chart
//   docs/screenshots/operator.png     the operator panel, every actor running
// Run: node --import=tsx bench/screenshots.ts [--out DIR]
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { browser, spawnServed } from './page.ts';
import { until } from './freshness.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** What the functions run in the page see of it (serialized into the page: they name nothing of this file's). */
interface Doc {
  document: {
    getElementById(id: string): { textContent: string | null } | null;
    querySelector(s: string): { dataset: Record<string, string> } | null;
    querySelectorAll(s: string): Iterable<{ className: string }>;
  };
}

const argv = process.argv.slice(2);
const outAt = argv.indexOf('--out');
const out = outAt >= 0 ? argv[outAt + 1]! : join(ROOT, 'docs', 'screenshots');
mkdirSync(out, { recursive: true });
const cwd = mkdtempSync(join(tmpdir(), 'bb-shots-'));
const profile = mkdtempSync(join(tmpdir(), 'bb-shots-chromium-'));
const demo = await spawnServed(['start', '--http', '127.0.0.1:0'], {
  cwd,
  ready: (s) => /^the page: (http:\/\/\S+)\noperator panel: (http:\/\/\S+)\n/m.exec(s)?.slice(1, 3).join(' ') ?? null,
});
const [url, operator] = demo.url.split(' ') as [string, string];
const ctx = await browser(profile);
try {
  // The history in (every batch with its qualified students), and the live sources running.
  await until(
    async () => {
      const rows = (await (await fetch(new URL('/board.json', url))).json()) as { qualified_students: number }[];
      return rows.length >= 100 && rows.filter((r) => r.qualified_students > 0).length >= 50;
    },
    120_000,
    () => 'the demo to load its history',
  );
  await new Promise((r) => setTimeout(r, 8_000));

  const shoot = async (page: Page, name: string) => {
    const file = join(out, `${name}.png`);
    await page.screenshot({ path: file });
    console.log(`${file}: ${(statSync(file).size / 1024).toFixed(0)} KiB`);
  };

  const page = await ctx.newPage();
  await page.goto(url);
  await page.waitForFunction(() => (globalThis as unknown as Doc).document.getElementById('live')?.textContent === 'live');
  // A commit of the live sources that moves a batch in view, so that its mark shows (it fades in
  // over 2 s and lasts 3).
  const marked = await page
    .waitForFunction(() => [...(globalThis as unknown as Doc).document.querySelectorAll('#board tbody tr')].slice(0, 20).some((tr) => tr.className === 'moved'), undefined, { timeout: 60_000, polling: 50 })
    .then(() => true, () => false);
  if (marked) await new Promise((r) => setTimeout(r, 1_800));
  else console.log('(no batch in view moved in 60 s: the leaderboard is shown without a mark)');
  await shoot(page, 'leaderboard');

  // The two batches at the top now (the ranks have moved since the history came in).
  const [top, second] = (await (await fetch(new URL('/board.json', url))).json()) as { id: number }[];
  await page.goto(new URL(`/batch/${top!.id}?compare=${second!.id}`, url).href);
  await page.waitForFunction(() => (globalThis as unknown as Doc).document.querySelector('#chart')?.dataset['series'] === '2', undefined, { timeout: 30_000 });
  await page.waitForFunction(() => (globalThis as unknown as Doc).document.getElementById('live')?.textContent === 'live');
  await shoot(page, 'batch');

  await page.goto(operator);
  await until(
    async () => (await page.locator('#actors tbody tr').allTextContents()).filter((t) => t.includes('running')).length >= 4,
    30_000,
    () => 'the four actors running on the operator panel',
  );
  await new Promise((r) => setTimeout(r, 3_000));
  await shoot(page, 'operator');
} finally {
  await ctx.close();
  await demo.stop();
  rmSync(cwd, { recursive: true, force: true });
  rmSync(profile, { recursive: true, force: true });
}
