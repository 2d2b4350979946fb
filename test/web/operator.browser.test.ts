// The operator panel in real headless Chromium (Debian's `chromium`, driven by playwright-core),
// served by a running pipeline (`batchboard start --http`), asserting what the operator sees: the
// four actors running; the restart button without the run's token refused on the page with the
// actor's restart count unchanged, and with the token (typed, or from the link's #restart=...)
// restarting it, the count going up on the page. Bound to another address than loopback with an
// access token, the page without that token is refused (401), on that address and on 127.0.0.1.
import os from 'node:os';
import test from 'ava';
import type { BrowserContext, Page } from 'playwright-core';
import { allRunning, servedPipeline } from './helpers.ts';
import { browser } from './chromium.ts';

/** The page's document, for the functions that run in the page (serialized; this project's types have no DOM). */
interface Row {
  dataset: { actor?: string };
  cells: { length: number; [i: number]: { textContent: string | null } };
}
interface Doc {
  querySelectorAll(s: string): Iterable<Row> & { length: number };
  getElementById(id: string): { textContent: string | null } | null;
}

const ACTORS = ['Aggregator', 'BatchFetcher', 'StudentWatcher', 'LogTailer'];
const COL = { state: 1, restarts: 4 } as const;

/** A page that records script errors and console errors (a CSP violation is one). */
async function watchedPage(ctx: BrowserContext): Promise<{ page: Page; errors: string[] }> {
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  return { page, errors };
}

/** Until the actor's cell in the panel reads `want`. */
async function cellReads(page: Page, actor: string, col: number, want: string): Promise<void> {
  await page.waitForFunction(
    ([a, c, w]) => {
      for (const tr of (globalThis as unknown as { document: Doc }).document.querySelectorAll('#actors tbody tr')) {
        if (tr.dataset.actor === a) return tr.cells[c]?.textContent === w;
      }
      return false;
    },
    [actor, col, want] as const,
    { timeout: 20_000 },
  );
}

const cell = (page: Page, actor: string, col: number) => page.locator(`#actors tbody tr[data-actor="${actor}"] td`).nth(col).textContent();

async function resultReads(page: Page, pattern: RegExp): Promise<string> {
  try {
    await page.waitForFunction((source) => new RegExp(source).test((globalThis as unknown as { document: Doc }).document.getElementById('restart-result')?.textContent ?? ''), pattern.source, { timeout: 20_000 });
  } catch (err) {
    throw new Error(`the restart's result did not match ${pattern}: it reads ${JSON.stringify(await page.locator('#restart-result').textContent())} (${(err as Error).message})`);
  }
  return (await page.locator('#restart-result').textContent()) ?? '';
}

test('the panel shows the four actors; the restart button is refused without the token and restarts the actor with it', async (t) => {
  const { url, operator, restartToken } = await servedPipeline(t);
  await allRunning(url);
  const ctx = await browser(t);
  const { page, errors } = await watchedPage(ctx);
  await page.goto(`${url}operator`);
  await page.waitForFunction(() => (globalThis as unknown as { document: Doc }).document.getElementById('live')?.textContent === 'live', undefined, { timeout: 10_000 });
  for (const actor of ACTORS) await cellReads(page, actor, COL.state, 'running');

  // No token typed: refused, said on the page, nothing restarted.
  await page.click('button[data-restart="LogTailer"]');
  const refused = await resultReads(page, /^403: /);
  t.regex(refused, /restart token is required/);
  t.is(await cell(page, 'LogTailer', COL.restarts), '0');
  const json = (await (await fetch(`${url}operator.json`)).json()) as { actors: { name: string; restarts: number }[] };
  t.is(json.actors.find((a) => a.name === 'LogTailer')!.restarts, 0, 'the supervisor restarted nothing');

  // A wrong token: refused too.
  await page.fill('#restart-token', 'not-the-token-of-this-run');
  await page.click('button[data-restart="LogTailer"]');
  t.regex(await resultReads(page, /^403: refused: wrong/), /wrong restart token/);
  t.is(await cell(page, 'LogTailer', COL.restarts), '0');

  // The run's token typed in: restarted, the count up on the page.
  await page.fill('#restart-token', restartToken);
  await page.click('button[data-restart="LogTailer"]');
  t.regex(await resultReads(page, /restarted/), /^LogTailer restarted/);
  await cellReads(page, 'LogTailer', COL.restarts, '1');
  await cellReads(page, 'LogTailer', COL.state, 'running');

  // The printed link carries the token in its fragment: the field is filled, the address bar loses it.
  const second = await watchedPage(ctx);
  await second.page.goto(operator);
  await second.page.waitForFunction(() => (globalThis as unknown as { document: Doc }).document.getElementById('live')?.textContent === 'live', undefined, { timeout: 10_000 });
  t.is(await second.page.inputValue('#restart-token'), restartToken);
  t.false(second.page.url().includes('restart='), 'the token left the address bar');
  await second.page.click('button[data-restart="StudentWatcher"]');
  t.regex(await resultReads(second.page, /restarted/), /^StudentWatcher restarted/);
  await cellReads(second.page, 'StudentWatcher', COL.restarts, '1');
  // The first page, live, sees it as well.
  await cellReads(page, 'StudentWatcher', COL.restarts, '1');
  // The refusals are the browser's only complaints (a 403 is logged as a failed resource).
  const refusals = /Failed to load resource: the server responded with a status of 403/;
  t.deepEqual([...errors, ...second.errors].filter((e) => !refusals.test(e)), []);
});

/** An IPv4 address of this machine other than loopback, if it has one. */
function outsideAddress(): string | undefined {
  return Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address;
}

test('bound to every address with an access token, the page without it is refused (401), on the outside address and on 127.0.0.1', async (t) => {
  const token = 'an-access-token-for-this-test';
  const { url, restartToken } = await servedPipeline(t, ['--http', '0.0.0.0:0', '--http-token', token]);
  const port = new URL(url).port;
  t.is(new URL(url).searchParams.get('token'), token, 'the printed URL carries the access token');
  const ip = outsideAddress();
  if (ip === undefined) t.log('no address other than loopback on this machine: 127.0.0.1 only');
  const hosts = [...(ip === undefined ? [] : [ip]), '127.0.0.1'];
  await allRunning(`http://127.0.0.1:${port}/?token=${token}`);
  const ctx = await browser(t);
  const { page } = await watchedPage(ctx);
  for (const host of hosts) {
    for (const path of ['', 'operator', 'metrics']) {
      const res = await page.goto(`http://${host}:${port}/${path}`);
      t.is(res?.status(), 401, `${host} /${path} without the token`);
      t.regex((await page.textContent('body')) ?? '', /a valid access token is required/);
    }
    const restart = await fetch(`http://${host}:${port}/api/restart/LogTailer`, { method: 'POST', headers: { 'X-Batchboard-Restart-Token': restartToken } });
    t.is(restart.status, 401, `${host}: the restart token alone is not enough`);
  }
  // With the access token: the panel, and its restart button (which sends both tokens).
  const host = hosts[0]!;
  const res = await page.goto(`http://${host}:${port}/operator?token=${token}#restart=${restartToken}`);
  t.is(res?.status(), 200);
  await page.waitForFunction(() => (globalThis as unknown as { document: Doc }).document.getElementById('live')?.textContent === 'live', undefined, { timeout: 10_000 });
  await page.click('button[data-restart="BatchFetcher"]');
  t.regex(await resultReads(page, /restarted|^\d{3}: /), /^BatchFetcher restarted/);
  await cellReads(page, 'BatchFetcher', COL.restarts, '1');
});
