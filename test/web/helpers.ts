// The web tests' plumbing: a small warehouse of either backend with a hostile batch name, written
// through the same writer interface the Aggregator uses, and `batchboard serve` as a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import type { ExecutionContext } from 'ava';
import { BACKENDS, newWarehouse } from '../backends.ts';
import { BIN, Pipeline, ROOT, startSim, tempDir } from '../e2e/helpers.ts';
import type { Simulator } from '../../src/simulator/index.ts';
import { waitFor } from '../wait.ts';
import { openWriter } from '../../src/storage/open-writer.ts';
import { emptyTx, type WarehouseWriter } from '../../src/storage/writer.ts';

export const NOW = '2024-03-01T00:00:00.000Z';
export const HOSTILE = '<img src=x onerror=alert(1)>';

/** Batches 1 (alpha, 1 qualified), 2 (HOSTILE, 2 qualified), 3 (gamma, none); student 4 of batch 1 has no lessons yet. */
export async function seeded(t: ExecutionContext, backend: (typeof BACKENDS)[number]): Promise<{ warehouse: string; w: WarehouseWriter }> {
  const warehouse = await newWarehouse(t, backend, tempDir(t));
  const w = await openWriter(warehouse, { minLessons: 3, sources: 'serve-test', pipeline: 'serve-test' }, () => {});
  t.teardown(() => w.close());
  await w.write({
    ...emptyTx(NOW),
    batches: [
      { id: 1, name: 'alpha', start_date: '2024-04-01', created_at: NOW },
      { id: 2, name: HOSTILE, start_date: '2024-05-01', created_at: NOW },
      { id: 3, name: 'gamma', start_date: null, created_at: NOW },
    ],
    students: [1, 2, 3, 4].map((id) => ({ id, name: `s${id}`, email: null, batch_id: 1 + (id % 2), created_at: NOW })),
    // Student s completes lesson l on March (s + l - 1): students 1, 2, 3 qualify on the 3rd, 4th and 5th.
    completions: [completing(...[1, 2, 3].flatMap((s) => [1, 2, 3].map((l): Run => [s, l, `2024-03-0${s + l - 1}T10:00:00.000Z`])))],
  });
  return { warehouse, w };
}

/** A completing test run: student, lesson, its created_at (the event time qualified_at is drawn from). */
export type Run = [student: number, lesson: number, createdAt: string];

/** Completing runs as the writer takes them (WriteTx.completions): triples student, lesson, ms. */
export function completing(...runs: Run[]): Float64Array {
  return Float64Array.from(runs.flatMap(([s, l, at]) => [s, l, Date.parse(at)]));
}

/** `batchboard serve ARGS`: its URL, the first line of its stdout. */
export async function serve(t: ExecutionContext, args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => void child.kill('SIGKILL'));
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const url = await waitFor(() => (out.includes('\n') ? out.split('\n')[0]! : null), { what: () => `the URL on stdout (stderr: ${err})`, timeoutMs: 30_000 });
  return { url, child };
}


/** What `start --http` prints first: the page's URL, the operator panel's link, the run's restart token. */
export interface Served {
  url: string;
  operator: string;
  restartToken: string;
}

export function servedLines(stdout: string): Served | null {
  const m = /^(http:\/\/\S+)\noperator panel: (http:\/\/\S+)\noperator token: (\S+)\n/m.exec(stdout);
  return m === null ? null : { url: m[1]!, operator: m[2]!, restartToken: m[3]! };
}

/** `batchboard start` on simulated sources with `--http ...`: the simulator, the pipeline and what it printed. */
export async function servedPipeline(t: ExecutionContext, http: string[] = ['--http', '127.0.0.1:0']): Promise<Served & { sim: Simulator; pipeline: Pipeline }> {
  const dir = tempDir(t);
  const sim = await startSim(t, dir);
  const pipeline = new Pipeline(t, sim, dir, http);
  pipeline.start();
  const served = await waitFor(() => servedLines(pipeline.stdout), { what: () => `the page's URL on stdout (stdout: ${pipeline.stdout}; stderr: ${pipeline.stderr.slice(-2000)})`, timeoutMs: 60_000 });
  return { ...served, sim, pipeline };
}

/** Until every actor runs (the operator panel's JSON). */
export async function allRunning(url: string, headers: Record<string, string> = {}): Promise<{ name: string; state: string; restarts: number }[]> {
  return waitFor(
    async () => {
      const json = new URL(url);
      json.pathname = '/operator.json';
      json.hash = '';
      const res = await fetch(json, { headers });
      const body = (await res.json()) as { actors: { name: string; state: string; restarts: number }[] };
      return body.actors.length === 4 && body.actors.every((a) => a.state === 'running') ? body.actors : null;
    },
    { what: 'the four actors running', timeoutMs: 60_000 },
  );
}
