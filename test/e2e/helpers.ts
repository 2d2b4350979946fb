// End-to-end plumbing: the simulator in the test process, `batchboard start` as a real child
// process over its sources, and the warehouse compared with what the simulator's ledger says it
// must hold (src/simulator/expected.ts computes that from CONTRACTS' definitions, never from the
// pipeline's code).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';
import { startSimulator, type ExpectOptions, type Simulator, type SimulatorOptions } from '../../src/simulator/index.ts';
import { waitFor } from '../wait.ts';
import { plainRows, type ContractTables } from '../warehouse-rows.ts';
import { readContractTables } from '../backends.ts';
import { controlSocketPath, defaultPipelineName } from '../../src/domain/identity.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/batchboard.mjs', import.meta.url));

export function tempDir(t: ExecutionContext, prefix = 'bb-e2e-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function startSim(t: ExecutionContext, dir: string, opts: Partial<SimulatorOptions> = {}): Promise<Simulator> {
  const sim = await startSimulator({ dir: path.join(dir, 'sources'), history: { batches: 30, students: 600, testRuns: 20_000 }, live: false, ...opts });
  t.teardown(() => sim.close());
  return sim;
}

/** `batchboard start` on the simulator's sources, as a child process that the test can kill. */
export class Pipeline {
  child: ChildProcess | null = null;
  stderr = '';
  stdout = '';
  starts = 0;
  readonly warehouse: string;
  readonly log: string;

  constructor(
    private readonly t: ExecutionContext,
    private readonly sim: Simulator,
    dir: string,
    private readonly extra: string[] = [],
    o: {
      /** Default: DIR/warehouse.db. A postgres:// URL runs the pipeline on PostgreSQL. */
      warehouse?: string;
      /** The log it tails; default the simulator's. */
      log?: string;
    } = {},
  ) {
    this.warehouse = o.warehouse ?? path.join(dir, 'warehouse.db');
    this.log = o.log ?? sim.logPath;
    t.teardown(() => {
      this.child?.kill('SIGKILL');
    });
  }

  /** The supervisor's control socket (its pipeline's, on PostgreSQL). */
  get socket(): string {
    const i = this.extra.indexOf('--name');
    return controlSocketPath(this.warehouse, i >= 0 ? this.extra[i + 1] : defaultPipelineName(this.log));
  }

  get args(): string[] {
    return ['start', '--api', this.sim.apiUrl, '--students', this.sim.studentsPath, '--log', this.log, '--warehouse', this.warehouse, '--api-poll-ms', '100', ...this.extra];
  }

  start(): ChildProcess {
    if (this.child !== null && this.child.exitCode === null && this.child.signalCode === null) throw new Error('the pipeline is already running');
    this.starts++;
    this.stdout = '';
    const child = spawn(process.execPath, [BIN, ...this.args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      this.stderr += d;
      if (this.stderr.length > 2_000_000) this.stderr = this.stderr.slice(-1_000_000);
    });
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      // The first lines say where the web page is (start --http); the rest is kept short.
      if (this.stdout.length < 100_000) this.stdout += d;
    });
    this.child = child;
    return child;
  }

  /** Resolves with the exit code (or signal) once the process has ended. */
  exited(): Promise<number | string> {
    const c = this.child;
    if (c === null) return Promise.resolve('never started');
    if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve(c.exitCode ?? c.signalCode!);
    return new Promise((resolve) => c.once('exit', (code, signal) => resolve(code ?? signal!)));
  }

  async kill9(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited();
  }

  /** Sends `signal` and returns the exit code and how long the exit took. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | string; ms: number }> {
    const started = Date.now();
    this.child?.kill(signal);
    const code = await this.exited();
    return { code, ms: Date.now() - started };
  }

  /** Lines of the supervisor's JSON log with this event. */
  events(event: string): Record<string, unknown>[] {
    return this.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((e) => e['event'] === event);
  }
}

export type WarehouseRows = ContractTables;

/** The warehouse as an analyst reads it: read-only, one consistent snapshot (either backend). */
export const readRows = readContractTables;

/** The rows the warehouse must hold, from the simulator's ledger. */
export function expectedRows(sim: Simulator, opts: ExpectOptions = {}, filter: { since?: string } = {}): WarehouseRows {
  return plainRows(sim.expected(opts), filter.since);
}

/** What differs, a few lines of it; empty when equal. */
export function differences(actual: WarehouseRows | null, expected: WarehouseRows, max = 8): string[] {
  if (actual === null) return ['no warehouse yet'];
  const out: string[] = [];
  for (const table of ['batches', 'students'] as const) {
    const a = new Map(actual[table].map((r) => [r['id'] as number, JSON.stringify(r)]));
    const e = new Map(expected[table].map((r) => [r['id'] as number, JSON.stringify(r)]));
    if (a.size !== e.size) out.push(`${table}: ${a.size} rows, expected ${e.size}`);
    for (const [id, row] of e) {
      if (out.length >= max) break;
      if (!a.has(id)) out.push(`${table} ${id} missing: expected ${row}`);
      else if (a.get(id) !== row) out.push(`${table} ${id}: ${a.get(id)} expected ${row}`);
    }
    for (const [id, row] of a) {
      if (out.length >= max) break;
      if (!e.has(id)) out.push(`${table} ${id} extra: ${row}`);
    }
  }
  if (JSON.stringify(actual.rejected) !== JSON.stringify(expected.rejected)) {
    out.push(`rejected ${JSON.stringify(actual.rejected)} expected ${JSON.stringify(expected.rejected)}`);
  }
  return out;
}

/** Waits until the warehouse equals the expectation; on timeout the error shows what differs. */
export async function waitForExact(
  t: ExecutionContext,
  pipeline: Pipeline,
  expected: WarehouseRows,
  timeoutMs = 60_000,
): Promise<void> {
  let last: string[] = [];
  let shown = Date.now();
  await waitFor(
    async () => {
      last = differences(await readRows(pipeline.warehouse), expected);
      if (process.env['BB_DEBUG'] && Date.now() - shown > 5000) {
        shown = Date.now();
        console.error(`${new Date().toISOString()} still differs:\n  ${last.join('\n  ')}`);
      }
      return last.length === 0;
    },
    { what: () => `the warehouse to equal the ledger; differences:\n  ${last.join('\n  ')}\nlast stderr:\n${pipeline.stderr.slice(-3000)}`, timeoutMs, intervalMs: 100 },
  );
  t.pass('the warehouse equals the ledger');
}

/** Everything read so far is committed: the sources are paused and nothing more arrives. */
export async function caughtUp(t: ExecutionContext, sim: Simulator, pipeline: Pipeline, opts: ExpectOptions = {}, timeoutMs = 60_000): Promise<void> {
  await sim.pause();
  await waitForExact(t, pipeline, expectedRows(sim, opts), timeoutMs);
}

export { inconsistentBatches } from '../backends.ts';
