// Issue 12's three goals for the live page, measured as a person and an operator would meet them:
//  1. from a commit to the number changing in an open page (real headless Chromium on `batchboard
//     serve`, SQLite and PostgreSQL warehouses of 50 batches, and SQLite of 10,000 batches, the
//     size goal 3 paints): p99 at most 250 ms;
//  2. what 100 open live pages cost the pipeline: freshness p99 at 50,000 test runs/s of `batchboard
//     start --http` with 0 and with 100 pages open, in the same run: at most 1 ms more;
//  3. the leaderboard's first paint with 10,000 batches, loopback: at most 300 ms.
// Each goal prints the machine, its numbers and MET / NOT MET; a table of all three closes the run.
//
// How:
//  1. The bench commits through the real writer (openWriter, as the Aggregator does) a completion
//     that raises one batch's qualified_students, and takes the time the commit returned. In the
//     page a MutationObserver (installed with page.evaluate) takes the time the cell's text
//     changed, before the browser paints it. Both clocks are wall clocks of the same machine
//     (performance.timeOrigin + performance.now()); their offset is measured before the run (the
//     page's clock read between two of ours, the closest pair of ten) and taken off. Commits are
//     spaced 100 to 400 ms apart at random, so that they fall at every phase of the server's
//     100 ms poll.
//  2. The freshness probe of bench/freshness.ts (a copy of its machinery: that file exports only
//     its main): a probe student's third lesson appended to the log while a thread appends 50,000
//     other runs/s, the time until the warehouse's qualified_students moves. The 100 pages are
//     100 plain HTTP clients holding /events open in a thread of their own (workers/sse-clients.mjs):
//     to the server they are what 100 pages are (a connection each, every event written to each),
//     and they cost this machine's two cores far less than 100 Chromium tabs would, which would
//     then be measured as the pipeline's cost. Blocks of probes alternate, 0 pages then 100, so
//     that drift in the machine's load falls on both sides alike.
//  3. A fresh tab navigates to the page served by `batchboard serve`; the browser's own numbers,
//     from the navigation's start: first-contentful-paint (performance.getEntriesByType('paint')),
//     the 10,000 rows in the DOM (DOMContentLoaded: the server's HTML holds them all), the live
//     script's own render of them from /events, and the longest task (the page "freezing").
//     One navigation first to warm up, not counted.
// Run: node --import=tsx bench/page.ts [--quick] [--no-pg] [--only 1,2,3] [--probes N (goal 2, each side; 900)]
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, rmSync, statSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startSimulator } from '../src/simulator/index.ts';
import { createTestDatabase, TEST_SERVER, type TestDatabase } from '../src/storage/pg/test-db.ts';
import { openWriter } from '../src/storage/open-writer.ts';
import { emptyTx, type WarehouseWriter } from '../src/storage/writer.ts';
import type { Batch, Student } from '../src/domain/records.ts';
import { machineLine } from './machine.ts';
import { percentile, until } from './freshness.ts';

const BIN = fileURLToPath(new URL('../bin/batchboard.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const APPENDER = new URL('./workers/appender.mjs', import.meta.url);
const SSE_CLIENTS = new URL('./workers/sse-clients.mjs', import.meta.url);
const NOW = '2024-03-01T00:00:00.000Z';
const T0 = Date.parse(NOW);
const MIN_LESSONS = 3;
const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const wall = () => performance.timeOrigin + performance.now();
const ms = (x: number) => `${x.toFixed(1)} ms`;

/** The 5th and 95th percentiles of (p-th percentile of b) - (p-th percentile of a) over resamples of both. */
function bootstrapDiff(a: number[], b: number[], p: number, rounds = 2_000): [number, number] {
  let x = 0x2545f491;
  const rand = (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
  const again = (xs: number[]) => Array.from(xs, () => xs[rand(xs.length)]!);
  const diffs = Array.from({ length: rounds }, () => percentile(again(b), p) - percentile(again(a), p)).sort((u, v) => u - v);
  return [diffs[Math.floor(rounds * 0.05)]!, diffs[Math.floor(rounds * 0.95)]!];
}

/** One goal's line in the closing table. */
interface Verdict {
  goal: string;
  target: string;
  measured: string;
  met: boolean;
}

export async function main(argv: string[]): Promise<void> {
  const quick = argv.includes('--quick');
  const at = argv.indexOf('--only');
  const only = at >= 0 ? new Set(argv[at + 1]!.split(',').map(Number)) : new Set([1, 2, 3]);
  const dir = mkdtempSync(join(tmpdir(), 'bb-page-'));
  const verdicts: Verdict[] = [];
  console.log('the live page: commit to page, the cost of open pages, first paint (bench/page.ts)');
  console.log(`${machineLine()}; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} at the start; ${new Date().toISOString()}${quick ? '; --quick' : ''}`);
  let ctx: BrowserContext | null = null;
  try {
    if (only.has(1) || only.has(3)) ctx = await browser(join(dir, 'profile'));
    if (only.has(1)) {
      const backends: ('sqlite' | 'postgres')[] = argv.includes('--no-pg') ? ['sqlite'] : ['sqlite', 'postgres'];
      for (const b of backends) {
        const v = await commitToPage(ctx!, b, dir, quick, 50);
        if (v !== null) verdicts.push(v);
      }
      // The same on a leaderboard of 10,000 batches, which the page renders whole at each change.
      const v = await commitToPage(ctx!, 'sqlite', dir, quick, 10_000);
      if (v !== null) verdicts.push(v);
    }
    const probes = argv.indexOf('--probes');
    if (only.has(2)) verdicts.push(await openPagesCost(dir, quick, probes >= 0 ? Number(argv[probes + 1]) : quick ? 50 : 900));
    if (only.has(3)) verdicts.push(await firstPaint(ctx!, dir, quick));
  } finally {
    await ctx?.close();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log();
  console.log('the live page, issue 12\'s goals');
  console.log(`${machineLine()}; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} at the end; ${new Date().toISOString().slice(0, 10)}`);
  const w = [Math.max(...verdicts.map((v) => v.goal.length)), Math.max(...verdicts.map((v) => v.target.length)), Math.max(...verdicts.map((v) => v.measured.length))];
  for (const v of verdicts) console.log(`${v.goal.padEnd(w[0]!)}  ${v.target.padEnd(w[1]!)}  ${v.measured.padEnd(w[2]!)}  ${v.met ? 'MET' : 'NOT MET'}`);
  if (import.meta.url === pathToFileURL(process.argv[1]!).href) {
    console.log('\nnot yet in `npm run bench`: to add it, in bench/run.ts: `import { main as page } from \'./page.ts\';` and `page` in the list.');
  }
}

// ---------------------------------------------------------------- the browser and the server

function chromiumPath(): string {
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('chromium is not on PATH: apt-get install -y chromium (.ci/run does)');
  }
}

/** Chromium as the browser tests launch it: headless, a fresh profile, nothing fetched from the network. */
export function browser(profile: string, viewport = { width: 1280, height: 800 }): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    viewport,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A `batchboard` child whose first stdout line is the page's URL; `lines` is what else it printed. */
interface Served {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stop(): Promise<void>;
}

export async function spawnServed(args: string[], o: { cwd?: string; timeoutMs?: number; ready?: (stdout: string) => string | null } = {}): Promise<Served> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: o.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out = (out + d).slice(-200_000)));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-20_000)));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  };
  try {
    const ready = o.ready ?? ((s: string) => (s.includes('\n') ? s.split('\n')[0]! : null));
    const url = await until(() => {
      if (child.exitCode !== null) throw new Error(`batchboard ${args[0]} exited ${child.exitCode}: ${err}`);
      return ready(out);
    }, o.timeoutMs ?? 60_000, () => `the page's URL on stdout (stdout: ${out.slice(-500)}; stderr: ${err.slice(-2000)})`);
    return { child, url, stdout: () => out, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** The page's clock minus ours (ms): the page read between two of our readings, the closest pair of ten. */
async function clockOffset(page: Page): Promise<{ offset: number; within: number }> {
  let best = { offset: 0, within: Infinity };
  for (let i = 0; i < 10; i++) {
    const a = wall();
    const p = await page.evaluate(() => {
      const g = globalThis as unknown as { performance: { timeOrigin: number; now(): number } };
      return g.performance.timeOrigin + g.performance.now();
    });
    const b = wall();
    if (b - a < best.within) best = { offset: p - (a + b) / 2, within: b - a };
  }
  return best;
}

// ---------------------------------------------------------------- goal 1: commit to page

/** What the functions run in the page see of it (serialized into the page: they name nothing of this file's). */
interface PageGlobal {
  document: {
    querySelector(s: string): { textContent: string | null; rows?: { length: number } } | null;
    getElementById(id: string): { textContent: string | null } | null;
    addEventListener(type: string, f: () => void): void;
    body: { dataset: Record<string, string | undefined> };
  };
  performance: {
    timeOrigin: number;
    now(): number;
    getEntriesByType(type: string): { name: string; startTime: number; domInteractive?: number; domContentLoadedEventStart?: number; responseStart?: number; responseEnd?: number }[];
  };
  MutationObserver: new (f: (records: unknown[], o: { disconnect(): void }) => void) => { observe(target: unknown, o: Record<string, boolean | string[]>): void };
  PerformanceObserver: new (f: (l: { getEntries(): { duration: number }[] }) => void) => { observe(o: Record<string, unknown>): void };
  __changes?: { v: string | null; t: number }[];
  __bench?: { longest: number; dcl: number | null; rowsAtDcl: number | null; live: number | null };
}

const PROBE_BATCH = 1;

async function commitToPage(ctx: BrowserContext, backend: 'sqlite' | 'postgres', dir: string, quick: boolean, batchCount: number): Promise<Verdict | null> {
  const n = quick ? 30 : 100;
  const many = batchCount.toLocaleString('en-US');
  const label = backend === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  console.log();
  console.log(`goal 1: from a commit to the number changing in an open page, ${label} warehouse, ${many} batches (target p99 <= 250 ms)`);
  console.log(machineLine());
  let pgdb: TestDatabase | null = null;
  if (backend === 'postgres') {
    try {
      pgdb = await createTestDatabase(TEST_SERVER, 'bench_page');
    } catch (err) {
      console.log(`  skipped: no PostgreSQL server at ${new URL(TEST_SERVER).host} (${(err as Error).message})`);
      return null;
    }
  }
  const warehouse = pgdb?.url ?? join(dir, `commit-${batchCount}.db`);
  let w: WarehouseWriter | null = null;
  let served: Served | null = null;
  let page: Page | null = null;
  try {
    w = await openWriter(warehouse, { minLessons: MIN_LESSONS, sources: 'bench-page', pipeline: 'bench-page' }, () => {});
    // Batches of 20 students (3 when there are thousands); the probe batch has one student per commit, each 2 lessons in.
    const batches: Batch[] = Array.from({ length: batchCount }, (_, i) => ({ id: i + 1, name: `batch ${i + 1}`, start_date: '2024-01-15', created_at: NOW }));
    const students: Student[] = [];
    const runs: number[] = [];
    let sid = 1;
    for (const b of batches) {
      const size = b.id === PROBE_BATCH ? n + 5 : batchCount > 1_000 ? 3 : 20;
      for (let i = 0; i < size; i++, sid++) {
        students.push({ id: sid, name: `student ${sid}`, email: null, batch_id: b.id, created_at: NOW });
        const lessons = b.id === PROBE_BATCH ? 2 : (sid * 7) % 5;
        for (let l = 1; l <= lessons; l++) runs.push(sid, l, T0 + l * 3_600_000);
      }
    }
    await w.write({ ...emptyTx(NOW), batches, students, completions: [Float64Array.from(runs)] });
    const probes = students.filter((s) => s.batch_id === PROBE_BATCH).map((s) => s.id);

    served = await spawnServed(['serve', '--warehouse', warehouse, '--http', '127.0.0.1:0']);
    page = await ctx.newPage();
    await page.goto(served.url);
    await page.waitForFunction(() => (globalThis as unknown as PageGlobal).document.getElementById('live')?.textContent === 'live', undefined, { timeout: 15_000 });
    // The live script's first render (of the whole leaderboard) done before the first commit.
    await sleep(batchCount > 1_000 ? 5_000 : 500);
    const clock = await clockOffset(page);
    console.log(`  the page's clock minus the bench's: ${ms(clock.offset)} (read within ${ms(clock.within)}), taken off each time`);
    await page.evaluate((id) => {
      const g = globalThis as unknown as PageGlobal;
      const sel = `#board tbody tr[data-id="${id}"] td.q`;
      let last = g.document.querySelector(sel)?.textContent ?? null;
      g.__changes = [];
      // app.js replaces the table's rows at each render: watch the body, read the cell afresh.
      new g.MutationObserver(() => {
        const v = g.document.querySelector(sel)?.textContent ?? null;
        if (v !== last) {
          last = v;
          g.__changes!.push({ v, t: g.performance.timeOrigin + g.performance.now() });
        }
      }).observe(g.document.querySelector('#board tbody'), { childList: true, subtree: true, characterData: true });
    }, PROBE_BATCH);
    const first = Number(await page.locator(`#board tbody tr[data-id="${PROBE_BATCH}"] td.q`).textContent());

    const lat: number[] = [];
    for (let i = 0; i < n; i++) {
      await sleep(100 + Math.random() * 300);
      const s = probes[i]!;
      await w.write({ ...emptyTx(new Date().toISOString()), completions: [Float64Array.from([s, 3, T0 + 3 * 3_600_000 + i])] });
      const committed = wall();
      const want = String(first + i + 1);
      const change = await page.waitForFunction(
        ([k, v]) => {
          const c = (globalThis as unknown as PageGlobal).__changes!;
          return c.length > k && c[k]!.v === v ? c[k]!.t : c.length > k ? `changed to ${c[k]!.v}` : false;
        },
        [i, want] as const,
        { timeout: 10_000, polling: 5 },
      );
      const t = (await change.jsonValue()) as number | string;
      if (typeof t === 'string') throw new Error(`commit ${i + 1}: the cell ${t}, not ${want}`);
      lat.push(t - clock.offset - committed);
    }
    const p99 = percentile(lat, 99);
    console.log(`  ${n} commits: p50 ${ms(percentile(lat, 50))}  p90 ${ms(percentile(lat, 90))}  p99 ${ms(p99)}  max ${ms(Math.max(...lat))}  min ${ms(Math.min(...lat))}`);
    console.log(`  ${p99 <= 250 ? 'MET' : 'NOT MET'}: p99 ${ms(p99)} against 250 ms`);
    return {
      goal: `1. commit to the number on an open page (${label}, ${many} batches)`,
      target: 'p99 <= 250 ms',
      measured: `p50 ${ms(percentile(lat, 50))}, p99 ${ms(p99)}, max ${ms(Math.max(...lat))} (${n} commits)`,
      met: p99 <= 250,
    };
  } finally {
    await page?.close();
    await served?.stop();
    await w?.close();
    await pgdb?.drop();
  }
}

// ---------------------------------------------------------------- goal 2: the cost of 100 pages

function appender(log: string, rate: number, seconds: number, prefix: string): { stop(): Promise<void> } {
  const w = new Worker(APPENDER, { workerData: { log, rate, students: 5_000, lessons: 100_000, seconds, prefix } });
  w.on('error', (e) => console.error(`the appender failed: ${e.message}`));
  return { stop: async () => void (await w.terminate()) };
}

/** 100 (or `n`) open live pages, in a thread of their own; resolves once each has had its first event. */
async function livePages(url: string, n: number): Promise<{ close(): Promise<{ events: number; changes: number; bytes: number }> }> {
  const w = new Worker(SSE_CLIENTS, { workerData: { url, n } });
  const failed = new Promise<never>((_, reject) => w.once('error', reject));
  await Promise.race([new Promise((r) => w.once('message', r)), failed, sleep(30_000).then(() => Promise.reject(new Error(`${n} clients did not connect to /events in 30 s`)))]);
  return {
    close: async () => {
      const stats = new Promise<{ events: number; changes: number; bytes: number }>((r) => w.once('message', r));
      w.postMessage('stop');
      const s = await stats;
      await w.terminate();
      return s;
    },
  };
}

async function openPagesCost(dir: string, quick: boolean, probes: number): Promise<Verdict> {
  const PAGES = 100;
  // Blocks of 25 (--quick) or 60 probes, alternating; `probes` with each number of pages.
  const perBlock = quick ? 25 : 60;
  const blocks = 2 * Math.max(1, Math.round(probes / perBlock));
  console.log();
  console.log(`goal 2: what ${PAGES} open live pages cost the pipeline: freshness p99 at 50,000 runs/s, 0 vs ${PAGES} pages (target: at most 1 ms more)`);
  console.log(machineLine());
  const simDir = join(dir, 'fresh');
  const sim = await startSimulator({ dir: simDir, history: { batches: 100, students: 5_000, testRuns: 200_000 }, live: false });
  const warehouse = join(simDir, 'warehouse.db');
  let served: Served | null = null;
  let db: Database.Database | null = null;
  let bg: { stop(): Promise<void> } | null = null;
  let fd: number | null = null;
  try {
    const [batch] = sim.addBatches(1);
    const students = sim.insertStudents(blocks * perBlock, { batchId: batch!.id });
    served = await spawnServed(['start', '--api', sim.apiUrl, '--students', sim.studentsPath, '--log', sim.logPath, '--warehouse', warehouse, '--api-poll-ms', '200', '--http', '127.0.0.1:0']);
    const url = served.url;
    db = await until(() => {
      let d: Database.Database | null = null;
      try {
        d = new Database(warehouse, { readonly: true, fileMustExist: true });
        const count = d.prepare('SELECT student_count FROM batches WHERE id = ?').pluck().get(batch!.id);
        if (count === students.length && (d.prepare('SELECT count(*) FROM students').pluck().get() as number) >= 5_000) return d;
      } catch {
        // not created yet
      }
      d?.close();
      return null;
    }, 120_000, () => 'the pipeline to load the history');
    const qualified = db.prepare('SELECT qualified_students FROM batches WHERE id = ?').pluck();
    const completed = db.prepare('SELECT completed FROM students WHERE id = ?').pluck();
    fd = openSync(sim.logPath, 'a');
    const created = new Date().toISOString();
    const line = (s: number, lesson: number) =>
      `{"id":"probe-${s}-${lesson}","student_id":${s},"lesson_id":${lesson},"passing_count":5,"failure_count":0,"created_at":"${created}"}\n`;
    bg = appender(sim.logPath, 50_000, 3_600, 'bg');
    await until(() => statSync(sim.logPath).size > 0, 5_000, () => 'the appender');
    await sleep(1_000);

    let next = 0;
    const measure = async (k: number): Promise<number[]> => {
      const out: number[] = [];
      for (let i = 0; i < k; i++) {
        const s = students[next++]!.id;
        writeSync(fd!, line(s, 1) + line(s, 2));
        await until(() => completed.get(s) === 2, 30_000, () => `probe ${s} to reach 2 lessons`);
        const q0 = qualified.get(batch!.id);
        writeSync(fd!, line(s, 3));
        const t0 = performance.now();
        while (qualified.get(batch!.id) === q0) {
          if (performance.now() - t0 > 30_000) throw new Error(`probe ${s}: no effect after 30 s`);
          pause(0.1);
        }
        out.push(performance.now() - t0);
        // Let the event loop breathe (and the SSE worker's messages through) between probes.
        await sleep(2 + (i % 7));
      }
      return out;
    };

    const none: number[] = [];
    const hundred: number[] = [];
    let seen = { events: 0, changes: 0, bytes: 0 };
    for (let b = 0; b < blocks; b++) {
      if (b % 2 === 0) {
        none.push(...(await measure(perBlock)));
      } else {
        const pages = await livePages(url, PAGES);
        await sleep(500);
        hundred.push(...(await measure(perBlock)));
        const s = await pages.close();
        seen = { events: seen.events + s.events, changes: seen.changes + s.changes, bytes: seen.bytes + s.bytes };
        // The server notices the closed streams; let it stop polling before the next 0-page block.
        await sleep(500);
      }
    }
    const row = (label: string, xs: number[]) =>
      console.log(`  ${label.padEnd(18)} p50 ${ms(percentile(xs, 50))}  p90 ${ms(percentile(xs, 90))}  p99 ${ms(percentile(xs, 99))}  max ${ms(Math.max(...xs))}  (${xs.length} probes)`);
    row('0 pages open', none);
    row(`${PAGES} pages open`, hundred);
    console.log(`  the ${PAGES} pages got ${Math.round(seen.events / PAGES)} events each (${Math.round(seen.changes / PAGES)} of them changes), ${(seen.bytes / 2 ** 20).toFixed(1)} MiB in all`);
    const diff = percentile(hundred, 99) - percentile(none, 99);
    const [lo, hi] = bootstrapDiff(none, hundred, 99);
    const met = diff <= 1;
    const sign = (x: number) => `${x >= 0 ? '+' : ''}${ms(x)}`;
    console.log(`  ${met ? 'MET' : 'NOT MET'}: p99 with ${PAGES} pages minus p99 with none: ${sign(diff)} against at most 1 ms`);
    // A p99 of a few hundred probes rests on its few slowest: how far the difference moves when the probes are drawn again.
    console.log(`  the difference's 90% bootstrap interval: ${sign(lo)} to ${sign(hi)}${lo <= 1 && hi > 1 ? ' (1 ms is inside it: this run cannot tell)' : ''}`);
    return {
      goal: `2. ${PAGES} open pages' cost to freshness p99 at 50k runs/s`,
      target: '<= +1 ms',
      measured: `${ms(percentile(none, 99))} -> ${ms(percentile(hundred, 99))} (${sign(diff)}, 90% interval ${sign(lo)} to ${sign(hi)}; ${none.length}+${hundred.length} probes)`,
      met,
    };
  } finally {
    await bg?.stop();
    if (fd !== null) closeSync(fd);
    db?.close();
    await served?.stop();
    await sim.close();
  }
}

// ---------------------------------------------------------------- goal 3: first paint

async function firstPaint(ctx: BrowserContext, dir: string, quick: boolean): Promise<Verdict> {
  const BATCHES = 10_000;
  const rounds = quick ? 3 : 10;
  console.log();
  console.log(`goal 3: the leaderboard's first paint with ${BATCHES.toLocaleString('en-US')} batches, loopback (target <= 300 ms)`);
  console.log(machineLine());
  const warehouse = join(dir, 'paint.db');
  const w = await openWriter(warehouse, { minLessons: MIN_LESSONS, sources: 'bench-page', pipeline: 'bench-page' }, () => {});
  try {
    // 10,000 batches of 1 to 8 students, each 0 to 4 lessons in: every kind of row.
    const batches: Batch[] = [];
    const students: Student[] = [];
    const runs: number[] = [];
    let sid = 1;
    for (let id = 1; id <= BATCHES; id++) {
      const month = String(1 + (id % 12)).padStart(2, '0');
      batches.push({ id, name: `${['Phoenix', 'Lyra', 'Orion', 'Vega', 'Draco', 'Cygnus'][id % 6]} ${2020 + (id % 5)}-${month} #${id}`, start_date: `${2020 + (id % 5)}-${month}-01`, created_at: NOW });
      for (let i = 0; i < 1 + ((id * 5) % 8); i++, sid++) {
        students.push({ id: sid, name: `student ${sid}`, email: null, batch_id: id, created_at: NOW });
        for (let l = 1; l <= (sid * 7) % 5; l++) runs.push(sid, l, T0 + l * 3_600_000);
      }
    }
    await w.write({ ...emptyTx(NOW), batches, students, completions: [Float64Array.from(runs)] });
  } finally {
    await w.close();
  }
  const served = await spawnServed(['serve', '--warehouse', warehouse, '--http', '127.0.0.1:0']);
  try {
    const size = (await (await fetch(served.url)).arrayBuffer()).byteLength;
    console.log(`  the page's HTML: ${(size / 2 ** 10).toFixed(0)} KiB for ${BATCHES.toLocaleString('en-US')} rows`);
    const results: { fcp: number; html: number; rows: number; live: number; longest: number }[] = [];
    for (let r = 0; r <= rounds; r++) {
      const page = await ctx.newPage();
      try {
        await page.addInitScript((n: number) => {
          const g = globalThis as unknown as PageGlobal;
          const b = (g.__bench = { longest: 0, dcl: null as number | null, rowsAtDcl: null as number | null, live: null as number | null });
          new g.PerformanceObserver((l) => {
            for (const e of l.getEntries()) b.longest = Math.max(b.longest, e.duration);
          }).observe({ type: 'longtask', buffered: true });
          g.document.addEventListener('DOMContentLoaded', () => {
            const tbody = g.document.querySelector('#board tbody')!;
            b.dcl = g.performance.now();
            b.rowsAtDcl = tbody.rows!.length;
            // Live: the script has the whole board from /events and has rendered it (it marks the
            // body with the board's version, then keeps the server's rows where they are).
            new g.MutationObserver((_, o) => {
              if (tbody.rows!.length === n && g.document.body.dataset.version !== undefined) {
                b.live = g.performance.now();
                o.disconnect();
              }
            }).observe(g.document.body, { attributes: true, attributeFilter: ['data-version'] });
          });
        }, BATCHES);
        await page.goto(served.url, { waitUntil: 'load' });
        await page.waitForFunction(() => (globalThis as unknown as PageGlobal).__bench!.live !== null, undefined, { timeout: 30_000 });
        const m = await page.evaluate(() => {
          const g = globalThis as unknown as PageGlobal;
          const fcp = g.performance.getEntriesByType('paint').find((e) => e.name === 'first-contentful-paint')?.startTime ?? NaN;
          const nav = g.performance.getEntriesByType('navigation')[0]!;
          return { fcp, html: nav.responseEnd!, rows: g.__bench!.dcl!, rowsAtDcl: g.__bench!.rowsAtDcl!, live: g.__bench!.live!, longest: g.__bench!.longest };
        });
        if (m.rowsAtDcl !== BATCHES) throw new Error(`the page held ${m.rowsAtDcl} rows at DOMContentLoaded, not ${BATCHES}`);
        if (r > 0) results.push(m);
        console.log(
          `  ${r === 0 ? 'warm-up ' : `round ${String(r).padStart(2)}`}: HTML received ${ms(m.html)}, first-contentful-paint ${ms(m.fcp)}, ${BATCHES.toLocaleString('en-US')} rows in the DOM ${ms(m.rows)}, ` +
            `live (the board from /events applied) ${ms(m.live)}, longest task ${ms(m.longest)}`,
        );
      } finally {
        await page.close();
      }
    }
    const col = (f: (x: (typeof results)[number]) => number) => results.map(f);
    const med = (xs: number[]) => percentile(xs, 50);
    const fcp = col((x) => x.fcp);
    console.log(`  ${rounds} rounds, median / max: first-contentful-paint ${ms(med(fcp))} / ${ms(Math.max(...fcp))}; rows in the DOM ${ms(med(col((x) => x.rows)))} / ${ms(Math.max(...col((x) => x.rows)))}; ` +
      `rendered live ${ms(med(col((x) => x.live)))} / ${ms(Math.max(...col((x) => x.live)))}; longest task ${ms(med(col((x) => x.longest)))} / ${ms(Math.max(...col((x) => x.longest)))}`);
    // The verdict on the median (the page as it usually comes), the slowest round beside it.
    const met = med(fcp) <= 300;
    const over = fcp.filter((x) => x > 300).length;
    console.log(`  ${met ? 'MET' : 'NOT MET'}: first-contentful-paint median ${ms(med(fcp))} against 300 ms; ${over} of ${rounds} rounds over 300 ms, the slowest ${ms(Math.max(...fcp))}`);
    return {
      goal: `3. first paint, ${BATCHES.toLocaleString('en-US')} batches, loopback`,
      target: 'FCP <= 300 ms (median)',
      measured: `FCP median ${ms(med(fcp))}, max ${ms(Math.max(...fcp))} (${over}/${rounds} over); all rows ${ms(med(col((x) => x.rows)))}; longest task ${ms(med(col((x) => x.longest)))}`,
      met,
    };
  } finally {
    await served.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) await main(process.argv.slice(2));
