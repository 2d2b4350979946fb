// Records per second through one actor hop (one record per message, 1,000 records per message
// as objects, and 1,000 per message packed in a transferred buffer), and one-way hop latency at
// 10,000 messages/s. Then start-up and hot restarts on the built JavaScript (dist/), against
// their goals: `batchboard --help` within 2x of `node -e 0`; `batchboard restart` at most 150 ms
// beyond a CLI start; Supervisor.restart() at most 50 ms.
// Run: node --import=tsx bench/runtime.ts [--startup-only]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Supervisor, silentLogger, type ActorStatus } from '../src/runtime/index.ts';
import { startSimulator } from '../src/simulator/index.ts';
import type { Mode } from './actors/hop.ts';
import { machineLine } from './machine.ts';

const actor = (name: string) => fileURLToPath(new URL(`./actors/${name}.ts`, import.meta.url));

interface Result {
  records: number;
  expected: number;
  seconds: number;
  perSecond: number;
  p50ms: number;
  p99ms: number;
  maxMs: number;
}

async function hop(mode: Mode, records: number, perMessage: number, rate?: number): Promise<Result> {
  const sup = new Supervisor(
    {
      children: [
        { name: 'HopConsumer', module: actor('hop-consumer'), mailboxCapacity: 1024 },
        { name: 'HopProducer', module: actor('hop-producer'), args: { mode, records, perMessage, rate } },
      ],
      heartbeat: { intervalMs: 20, timeoutMs: 10_000 },
    },
    silentLogger,
  );
  await sup.start();
  try {
    for (;;) {
      const c = sup.status()[0]!.counters;
      if (c.done === 1) {
        if (c.records !== c.expected) throw new Error(`lost records: ${c.records} of ${c.expected}`);
        return c as unknown as Result;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await sup.shutdown();
  }
}

/** Wall time of hot restarts of one idle actor: a graceful stop, then a fresh thread ready. */
async function restarts(n: number): Promise<number[]> {
  const sup = new Supervisor({ children: [{ name: 'HopConsumer', module: actor('hop-consumer') }] }, silentLogger);
  await sup.start();
  const times: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await sup.restart('HopConsumer');
      times.push(performance.now() - t0);
    }
  } finally {
    await sup.shutdown();
  }
  return times.sort((a, b) => a - b);
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export async function main(argv: string[] = []): Promise<void> {
  if (!argv.includes('--startup-only')) await hops();
  await startup();
}

async function hops(): Promise<void> {
  console.log('# runtime: one actor hop (worker thread → worker thread over a MessagePort)');
  console.log(machineLine());
  const one = await hop('one', 1_000_000, 1);
  console.log(`one record per message      ${fmt(one.perSecond).padStart(12)} records/s  (${fmt(one.records)} in ${one.seconds.toFixed(2)} s)`);
  const many = await hop('many', 5_000_000, 1000);
  console.log(`1,000 objects per message   ${fmt(many.perSecond).padStart(12)} records/s  (${fmt(many.records)} in ${many.seconds.toFixed(2)} s)`);
  const packed = await hop('packed', 20_000_000, 1000);
  console.log(`1,000 packed, transferred   ${fmt(packed.perSecond).padStart(12)} records/s  (${fmt(packed.records)} in ${packed.seconds.toFixed(2)} s)`);
  const lat = await hop('latency', 50_000, 1, 10_000);
  console.log(
    `latency at 10,000 msg/s     p50 ${lat.p50ms.toFixed(3)} ms  p99 ${lat.p99ms.toFixed(3)} ms  max ${lat.maxMs.toFixed(3)} ms  (${fmt(lat.records)} probes over ${lat.seconds.toFixed(1)} s)`,
  );
  const r = await restarts(10);
  console.log(
    `hot restart of an actor      median ${r[5]!.toFixed(0)} ms  min ${r[0]!.toFixed(0)} ms  max ${r[9]!.toFixed(0)} ms  (10 restarts; the new thread loads TypeScript through tsx)`,
  );
  console.log('goals: >= 1,000,000 records/s batched; p99 <= 1 ms');
  console.log();
}

// ---- start-up and hot restarts on the built JavaScript ----

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/batchboard.mjs', import.meta.url));
const BUILT_RESTARTS = fileURLToPath(new URL('./workers/built-restarts.mjs', import.meta.url));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (n: number) => `${n.toFixed(0).padStart(4)} ms`;

interface Ran {
  ms: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Wall time of one process, from spawn to exit, as a shell's `time` sees it. Never throws on a bad exit. */
function timed(args: string[]): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    // Plain node: no --import=tsx inherited through NODE_OPTIONS or execArgv.
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('exit', (code) => {
      const wall = performance.now() - t0;
      child.once('close', () => resolve({ ms: wall, code, stdout, stderr }));
    });
  });
}

async function must(args: string[]): Promise<Ran> {
  const r = await timed(args);
  if (r.code !== 0) throw new Error(`node ${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
  return r;
}

const TSX_HELP = [
  '--import=tsx',
  '--input-type=module',
  '-e',
  "const { main } = await import('./src/cli/main.ts'); process.exitCode = await main(['--help']);",
];

/** (a) `node -e 0`, the bin's --help and, as the rival, the same through tsx (the bin before dist/): interleaved runs. */
async function cliStart(runs: number): Promise<{ node: number[]; help: number[]; tsx: number[] }> {
  // The first start builds dist/ when src/ has changed: not what is measured.
  await must([BIN, '--help']);
  await must(TSX_HELP);
  const out = { node: [] as number[], help: [] as number[], tsx: [] as number[] };
  for (let i = 0; i < runs; i++) {
    out.node.push((await must(['-e', '0'])).ms);
    out.help.push((await must([BIN, '--help'])).ms);
    out.tsx.push((await must(TSX_HELP)).ms);
  }
  return out;
}

/** (b) `batchboard restart LogTailer` against `batchboard start` on simulated sources. */
interface CliRestarts {
  /** The command's wall time, spawn to exit. */
  wall: number[];
  /** What the command prints: request to answer over the control socket. */
  reported: number[];
  /** From the supervisor's log: the old thread's graceful stop, and the new one's start to ready. */
  stop: number[];
  start: number[];
  /** `batchboard --help` beside the running pipeline: a CLI start under the same load. */
  help: number[];
  /** `batchboard restart --help`: the command's own start (its modules loaded), no restart. */
  commandStart: number[];
}

/** The stop and start phases of each requested restart of `actor`, from the supervisor's JSON log lines. */
function phases(log: string, actor: string): { stop: number[]; start: number[] } {
  const stop: number[] = [];
  const start: number[] = [];
  let requested: number | null = null;
  let stopped: number | null = null;
  for (const line of log.split('\n')) {
    if (!line.startsWith('{')) continue;
    let e: { time?: string; event?: string; actor?: string; reason?: string };
    try {
      e = JSON.parse(line) as typeof e;
    } catch {
      continue; // the first line of the tail may be cut
    }
    if (e.actor !== actor || e.time === undefined) continue;
    const at = Date.parse(e.time);
    if (e.event === 'actor.restart' && e.reason === 'requested') [requested, stopped] = [at, null];
    else if (e.event === 'actor.stopped' && requested !== null) stopped = at;
    else if (e.event === 'actor.start' && requested !== null && stopped !== null) {
      stop.push(stopped - requested);
      start.push(at - stopped);
      requested = null;
    }
  }
  return { stop: stop.slice(1), start: start.slice(1) }; // the first is the warm-up
}

async function cliRestarts(runs: number): Promise<CliRestarts> {
  const dir = mkdtempSync(join(os.tmpdir(), 'bb-bench-restart-'));
  const sim = await startSimulator({
    dir: join(dir, 'sources'),
    history: { batches: 30, students: 600, testRuns: 20_000 },
    live: { batchesPerSec: 1, studentsPerSec: 20, testRunsPerSec: 1_000 },
  });
  const warehouse = join(dir, 'warehouse.db');
  const pipeline = spawn(
    process.execPath,
    [BIN, 'start', '--api', sim.apiUrl, '--students', sim.studentsPath, '--log', sim.logPath, '--warehouse', warehouse],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } },
  );
  let stderr = '';
  pipeline.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-200_000)));
  const exited = new Promise<void>((resolve) => pipeline.once('exit', () => resolve()));
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const r = await timed([BIN, 'status', '--warehouse', warehouse, '--json']);
      if (r.code === 0 && (JSON.parse(r.stdout) as ActorStatus[]).every((a) => a.state === 'running')) break;
      if (pipeline.exitCode !== null || Date.now() > deadline) throw new Error(`the pipeline did not start:\n${stderr.slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const wall: number[] = [];
    const reported: number[] = [];
    const help: number[] = [];
    const commandStart: number[] = [];
    for (let i = 0; i < runs + 1; i++) {
      // The pipeline and the simulator share the cores: the CLI start subtracted is measured
      // here, interleaved, not in (a).
      const h = await must([BIN, '--help']);
      const c = await must([BIN, 'restart', '--help']);
      const r = await must([BIN, 'restart', 'LogTailer', '--warehouse', warehouse]);
      const m = /restarted LogTailer in (\d+) ms/.exec(r.stdout);
      if (m === null) throw new Error(`unexpected answer from restart: ${r.stdout}`);
      // The first restart is a warm-up (the page cache, the simulator's first live seconds).
      if (i > 0) {
        wall.push(r.ms);
        reported.push(Number(m[1]));
        help.push(h.ms);
        commandStart.push(c.ms);
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    return { wall, reported, help, commandStart, ...phases(stderr, 'LogTailer') };
  } finally {
    pipeline.kill('SIGTERM');
    await exited;
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** (c) Supervisor.restart() on the built runtime, and a bare thread's stop and start beside it. */
async function apiRestarts(runs: number): Promise<{ restarts: number[]; bare: number[] }> {
  const r = await must([BUILT_RESTARTS, String(runs), '3']);
  return JSON.parse(r.stdout) as { restarts: number[]; bare: number[] };
}

async function startup(): Promise<void> {
  console.log('# runtime: start-up and hot restarts on the built JavaScript (dist/, no TypeScript loader)');
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`${machineLine()}, load average ${load}`);
  const a = await cliStart(15);
  const node = median(a.node);
  const help = median(a.help);
  const tsx = median(a.tsx);
  console.log(`node -e 0                          median ${ms(node)}  min ${ms(Math.min(...a.node))}  (15 runs, interleaved with the next two)`);
  console.log(`batchboard --help                  median ${ms(help)}  min ${ms(Math.min(...a.help))}  ${(help / node).toFixed(2)}x node -e 0   goal <= 2x`);
  console.log(`  rival: --help through tsx        median ${ms(tsx)}  min ${ms(Math.min(...a.tsx))}  ${(tsx / node).toFixed(2)}x node -e 0   (the bin before dist/)`);

  const b = await cliRestarts(7);
  const wall = median(b.wall);
  const cliStartLoaded = median(b.help);
  console.log(
    `batchboard restart LogTailer       median ${ms(wall)}  less a CLI start (--help, ${ms(cliStartLoaded).trim()} beside the pipeline): ${ms(wall - cliStartLoaded)}   goal <= 150 ms`,
  );
  console.log(`  as the command reports it        median ${ms(median(b.reported))}  min ${ms(Math.min(...b.reported))}  max ${ms(Math.max(...b.reported))}  (7 restarts of a live pipeline, request to answer)`);
  console.log(`    of which the graceful stop     median ${ms(median(b.stop))}  and the new thread to ready: median ${ms(median(b.start))}  (the supervisor's log, ms resolution)`);
  console.log(
    `  restart --help (the command's start) median ${ms(median(b.commandStart))}  ${ms(median(b.commandStart) - cliStartLoaded).trim()} more than --help: the modules it loads`,
  );

  const c = await apiRestarts(15);
  console.log(
    `Supervisor.restart(), built JS     median ${ms(median(c.restarts))}  min ${ms(c.restarts[0]!)}  max ${ms(c.restarts.at(-1)!)}  (15 restarts of an idle actor)   goal <= 50 ms`,
  );
  console.log(`  floor: a bare thread's exit+start median ${ms(median(c.bare))}  min ${ms(c.bare[0]!)}  max ${ms(c.bare.at(-1)!)}  (interleaved with the restarts, no runtime)`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv.slice(2));
