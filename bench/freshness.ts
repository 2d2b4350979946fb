// Issue 4's numbers for the streaming pipeline, measured from outside as an analyst would see them:
//  - freshness: time from a test-run line's append to its effect in `batches` (a probe student's
//    third completed lesson raising qualified_students), p50/p99, with the log quiet and while a
//    background thread appends 50,000 other test runs/s;
//  - the highest sustained append rate at which the pipeline's lag stays bounded;
//  - catch-up: how fast it commits a backlog of 2,000,000 lines appended at once.
// `batchboard start` runs as a child process on simulated sources; the probe reads the warehouse
// read-only, polling every 0.1 ms (the resolution of the freshness numbers).
// Both warehouses side by side in one run (issue 11): the SQLite file, then a PostgreSQL database
// of its own on the local server (the probe polls it over one connection, as an analyst's tool would).
// Run: node --import=tsx bench/freshness.ts [--quick] [--probes N] [--freshness-only] [--rates R,R,...] [--cpu-prof DIR] [--backend sqlite|postgres]
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import pg from 'pg';
import { startSimulator } from '../src/simulator/index.ts';
import { createTestDatabase, rawClient, TEST_SERVER } from '../src/storage/pg/test-db.ts';
import { machineLine } from './machine.ts';

const BIN = fileURLToPath(new URL('../bin/batchboard.mjs', import.meta.url));
const APPENDER = new URL('./workers/appender.mjs', import.meta.url);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

interface Appender {
  /** Lines and bytes written, once it ends. */
  done: Promise<{ written: number; bytes: number }>;
  stop(): Promise<void>;
}

function appender(log: string, rate: number, seconds: number, prefix: string): Appender {
  const w = new Worker(APPENDER, { workerData: { log, rate, students: 5_000, lessons: 100_000, seconds, prefix } });
  let last = { written: 0, bytes: 0 };
  const done = new Promise<{ written: number; bytes: number }>((resolve, reject) => {
    w.on('message', (m: { written: number; bytes: number; done?: boolean }) => {
      last = m;
      if (m.done) resolve(m);
    });
    w.on('error', reject);
    w.on('exit', () => resolve(last));
  });
  return { done, stop: async () => void (await w.terminate()) };
}

type Backend = 'sqlite' | 'postgres';

/** What the probe reads of the warehouse, whichever holds it. */
interface Probe {
  /** The history is in: the probe batch counts `probes` students, the students table at least `students`. */
  loaded(batch: number, probes: number, students: number): Promise<boolean>;
  qualified(batch: number): Promise<number | undefined>;
  completed(student: number): Promise<number | undefined>;
  /** The byte position the pipeline's test_runs offset has reached. */
  offsetPos(): Promise<number>;
  sanity(): Promise<{ rejected: number; completions: number }>;
  close(): Promise<void>;
}

function sqliteProbe(path: string): Probe | null {
  let d: Database.Database;
  try {
    d = new Database(path, { readonly: true, fileMustExist: true });
  } catch {
    return null;
  }
  const one = (sql: string) => d.prepare(sql).pluck();
  const qualified = one('SELECT qualified_students FROM batches WHERE id = ?');
  const count = one('SELECT student_count FROM batches WHERE id = ?');
  const completed = one('SELECT completed FROM students WHERE id = ?');
  const offset = one("SELECT value FROM offsets WHERE source = 'test_runs'");
  return {
    loaded: async (batch, probes, students) => count.get(batch) === probes && (one('SELECT count(*) FROM students').get() as number) >= students,
    qualified: async (b) => qualified.get(b) as number | undefined,
    completed: async (s) => completed.get(s) as number | undefined,
    offsetPos: async () => (JSON.parse(offset.get() as string) as { pos: number }).pos,
    // Completions as stored entries: a pair stored again with an earlier time counts again (rare here).
    sanity: async () =>
      d
        .prepare(
          `SELECT (SELECT count(*) FROM rejected_records WHERE source = 'test_runs') AS rejected,
                  (SELECT count(*) FROM completions) + (SELECT coalesce(sum(length(lessons)), 0) / 8 FROM completion_lists) AS completions`,
        )
        .get() as { rejected: number; completions: number },
    close: async () => void d.close(),
  };
}

async function pgProbe(url: string): Promise<Probe | null> {
  let c: pg.Client;
  try {
    c = await rawClient(url);
    await c.query('SELECT 1 FROM batches LIMIT 0');
  } catch {
    return null;
  }
  const q = async (name: string, text: string, values: unknown[] = []) => (await c.query({ name, text, values, rowMode: 'array' })).rows[0]?.[0] as unknown;
  const num = (v: unknown) => (v === undefined || v === null ? undefined : Number(v));
  return {
    loaded: async (batch, probes, students) =>
      num(await q('count', 'SELECT student_count FROM batches WHERE id = $1', [batch])) === probes &&
      Number(await q('students', 'SELECT count(*) FROM students')) >= students,
    qualified: async (b) => num(await q('qualified', 'SELECT qualified_students FROM batches WHERE id = $1', [b])),
    completed: async (s) => num(await q('completed', 'SELECT completed FROM students WHERE id = $1', [s])),
    offsetPos: async () => (JSON.parse((await q('offset', "SELECT value FROM offsets WHERE source = 'test_runs'")) as string) as { pos: number }).pos,
    sanity: async () => {
      const r = await c.query<{ rejected: string; completions: string }>(
        "SELECT (SELECT count(*) FROM rejected_records WHERE source = 'test_runs') AS rejected, (SELECT count(*) FROM completions) AS completions",
      );
      return { rejected: Number(r.rows[0]!.rejected), completions: Number(r.rows[0]!.completions) };
    },
    close: () => c.end(),
  };
}

/** One backend's numbers, for the side-by-side table. */
interface Numbers {
  quiet?: number[];
  busy?: number[];
  sustained?: number;
  catchUp?: number;
}

export async function main(argv: string[]): Promise<void> {
  const at = argv.indexOf('--backend');
  const backends: Backend[] = at >= 0 ? [argv[at + 1] as Backend] : ['sqlite', 'postgres'];
  for (const b of backends) if (b !== 'sqlite' && b !== 'postgres') throw new Error(`--backend: sqlite or postgres, got ${String(b)}`);
  console.log('streaming pipeline: freshness, sustained rate, catch-up (bench/freshness.ts)');
  console.log(machineLine());
  const all = new Map<Backend, Numbers>();
  for (const b of backends) {
    console.log(`-- warehouse: ${b === 'sqlite' ? 'SQLite (a file beside the pipeline)' : `PostgreSQL (${new URL(TEST_SERVER).host}, a database of its own)`}`);
    all.set(b, await runOn(b, argv));
  }
  if (all.size > 1) {
    const p99 = (xs?: number[]) => (xs === undefined ? '-' : `${percentile(xs, 99).toFixed(2)} ms`);
    const rate = (n?: number) => (n === undefined ? '-' : `${fmt(n)} runs/s`);
    const rows: [string, (n: Numbers) => string][] = [
      ['freshness p99, log quiet', (n) => p99(n.quiet)],
      ['freshness p99, 50,000 other runs/s', (n) => p99(n.busy)],
      ['highest sustained rate, bounded lag', (n) => rate(n.sustained)],
      ['catch-up of a backlog', (n) => rate(n.catchUp)],
    ];
    console.log(`${''.padEnd(38)}${backends.map((b) => b.padStart(18)).join('')}`);
    for (const [label, f] of rows) console.log(`${label.padEnd(38)}${backends.map((b) => f(all.get(b)!).padStart(18)).join('')}`);
  }
}

async function runOn(backend: Backend, argv: string[]): Promise<Numbers> {
  const quick = argv.includes('--quick');
  const onlyFreshness = argv.includes('--freshness-only');
  const probesFlag = argv.indexOf('--probes');
  const out: Numbers = {};
  const dir = mkdtempSync(join(tmpdir(), 'bb-fresh-'));
  const sim = await startSimulator({ dir, history: { batches: 100, students: 5_000, testRuns: 200_000 }, live: false });
  const pgdb = backend === 'postgres' ? await createTestDatabase(TEST_SERVER, 'bench_fresh') : null;
  const warehouse = pgdb?.url ?? join(dir, 'warehouse.db');
  let child: ChildProcess | null = null;
  let db: Probe | null = null;
  try {
    const probes = probesFlag >= 0 ? Number(argv[probesFlag + 1]) : quick ? 100 : 400;
    const [batch] = sim.addBatches(1);
    const students = sim.insertStudents(probes, { batchId: batch!.id });
    // --cpu-prof DIR: a CPU profile of each of the pipeline's threads, written there when it stops.
    const profFlag = argv.indexOf('--cpu-prof');
    const prof = profFlag >= 0 ? ['--cpu-prof', `--cpu-prof-dir=${argv[profFlag + 1]}`] : [];
    child = spawn(process.execPath, [...prof, BIN, 'start', '--api', sim.apiUrl, '--students', sim.studentsPath, '--log', sim.logPath, '--warehouse', warehouse, '--api-poll-ms', '200'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-20_000)));

    db = await until(async () => {
      let d: Probe | null = null;
      try {
        d = backend === 'sqlite' ? sqliteProbe(warehouse) : await pgProbe(warehouse);
        if (d !== null && (await d.loaded(batch!.id, probes, 5_000))) return d;
      } catch {
        // not created yet
      }
      await d?.close();
      return null;
    }, 120_000, () => `the pipeline to load the history; stderr: ${stderr}`);
    const probe = db;
    const fd = openSync(sim.logPath, 'a');
    const created = new Date().toISOString();
    const line = (s: number, lesson: number) =>
      `{"id":"probe-${s}-${lesson}","student_id":${s},"lesson_id":${lesson},"passing_count":5,"failure_count":0,"created_at":"${created}"}\n`;

    let next = 0;
    const measure = async (n: number): Promise<number[]> => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const s = students[next++]!.id;
        writeSync(fd, line(s, 1) + line(s, 2));
        await until(async () => (await probe.completed(s)) === 2, 30_000, () => `probe ${s} to reach 2 lessons`);
        const q0 = await probe.qualified(batch!.id);
        writeSync(fd, line(s, 3));
        const t0 = performance.now();
        while ((await probe.qualified(batch!.id)) === q0) {
          if (performance.now() - t0 > 30_000) throw new Error(`probe ${s}: no effect after 30 s`);
          pause(0.1);
        }
        out.push(performance.now() - t0);
        pause(2 + (i % 7));
      }
      return out;
    };

    const report = (label: string, xs: number[]) =>
      console.log(`${label.padEnd(44)} p50 ${percentile(xs, 50).toFixed(2)} ms  p90 ${percentile(xs, 90).toFixed(2)} ms  p99 ${percentile(xs, 99).toFixed(2)} ms  max ${Math.max(...xs).toFixed(2)} ms  (${xs.length} probes)`);

    // No offset stored yet: nothing of the log committed.
    const lag = async () => statSync(sim.logPath).size - (await probe.offsetPos().catch(() => 0));
    const drain = async (what: string) => until(async () => (await lag()) === 0, 300_000, () => `the pipeline to drain ${what}`);
    // Quiet means quiet: the history's runs all committed (the students and batches being in did
    // not say so: the first probes waited behind its last commits), and a moment without commits,
    // so that the commit policy no longer counts as heavy the load that just ended (commit-policy.ts).
    await drain('the history');
    pause(100);
    out.quiet = await measure(probes / 2);
    report('freshness, log quiet', out.quiet);
    const bg = appender(sim.logPath, 50_000, 3_600, 'bg');
    await until(() => statSync(sim.logPath).size > 0, 5_000, () => 'the appender');
    pause(500);
    out.busy = await measure(probes / 2);
    report('freshness, 50,000 other runs/s appended', out.busy);
    await bg.stop();

    if (onlyFreshness) return out;
    await drain('after the freshness run');

    // Sustained rate: a rate holds when, after `seconds` of it, the lag in the last second is under
    // half a second of input and the backlog is gone within a second once the appender stops. A
    // pipeline that falls behind shows a lag growing with time and a drain as long as it.
    const ratesFlag = argv.indexOf('--rates');
    const rates = ratesFlag >= 0 ? argv[ratesFlag + 1]!.split(',').map(Number) : quick ? [100_000, 300_000] : [100_000, 200_000, 300_000, 400_000, 500_000, 600_000, 700_000, 800_000, 1_000_000, 1_200_000];
    const seconds = quick ? 3 : 10;
    let best = 0;
    for (const rate of rates) {
      const a = appender(sim.logPath, rate, seconds, `r${rate}`);
      const samples: number[] = [];
      const started = performance.now();
      while (performance.now() - started < seconds * 1000) {
        await new Promise((r) => setTimeout(r, 200));
        samples.push(await lag());
      }
      const { written, bytes } = await a.done;
      const bytesPerLine = bytes / written;
      const tail = samples.slice(-5);
      const lagLines = Math.max(...tail) / bytesPerLine;
      const achieved = written / seconds;
      const t0 = performance.now();
      await drain(`after ${fmt(rate)}/s`);
      const drainS = (performance.now() - t0) / 1000;
      const holds = lagLines < achieved / 2 && drainS < 1;
      console.log(
        `append ${fmt(achieved).padStart(9)} runs/s for ${seconds} s: lag in the last second up to ${fmt(lagLines)} lines ` +
          `(${(lagLines / achieved).toFixed(2)} s of input), drained ${drainS.toFixed(2)} s after: ${holds ? 'holds' : 'falls behind'}`,
      );
      if (holds) best = Math.max(best, achieved);
      else break;
    }
    console.log(`highest sustained rate with bounded lag: ${fmt(best)} test runs/s`);
    out.sustained = best;

    // Catch-up: a backlog appended at once.
    const backlog = quick ? 500_000 : 2_000_000;
    const a = appender(sim.logPath, 50_000_000, 3_600, 'backlog');
    await until(async () => (await lag()) > backlog * 140, 120_000, () => 'the backlog to be written');
    await a.stop();
    const { written, bytes: total } = await a.done;
    const bytes = await lag();
    const lines = bytes / (written > 0 ? total / written : 135);
    const t0 = performance.now();
    await drain('the backlog');
    const s = (performance.now() - t0) / 1000;
    console.log(`catch-up: ${fmt(lines)} lines (${(bytes / 2 ** 20).toFixed(0)} MiB) committed in ${s.toFixed(2)} s = ${fmt(lines / s)} runs/s`);
    out.catchUp = lines / s;
    // The lag above counts bytes; make sure they were runs, not lines rejected at speed.
    const sanity = await probe.sanity();
    console.log(`warehouse after the run: ${fmt(sanity.completions)} completions, ${fmt(sanity.rejected)} rejected lines`);
    if (sanity.rejected > 0) throw new Error('the benchmark wrote lines the pipeline rejected: its numbers mean nothing');
    closeSync(fd);
    return out;
  } finally {
    await db?.close();
    child?.kill('SIGTERM');
    if (child !== null && child.exitCode === null) await new Promise((r) => child!.once('exit', r));
    await sim.close();
    await pgdb?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Polls `f` every millisecond until it is truthy; throws naming `what` past `timeoutMs`. */
export async function until<T>(f: () => T | Promise<T>, timeoutMs: number, what: () => string): Promise<NonNullable<T>> {
  const start = performance.now();
  for (;;) {
    const v = await f();
    if (v) return v as NonNullable<T>;
    if (performance.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) await main(process.argv.slice(2));
