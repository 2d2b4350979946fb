// Shared by the simulator tests: a simulator in a temp dir that is closed and removed after the
// test, a deadline-bounded wait, and a client that pages through the API by its cursor.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.ts';
import { waitFor as poll } from '../wait.ts';

export const SMALL = { batches: 20, students: 200, testRuns: 2_000 };

export function tempDir(t: ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'bb-sim-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A simulator with a small history and no live arrivals unless `opts` says otherwise. */
export async function startSim(t: ExecutionContext, opts: Partial<SimulatorOptions> = {}): Promise<Simulator> {
  const sim = await startSimulator({ dir: tempDir(t), history: SMALL, live: false, ...opts });
  t.teardown(() => sim.close());
  return sim;
}

/** Polls `pred` until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, pred: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  await poll(pred, { what, timeoutMs, intervalMs: 20 });
}

/** Polls `pred` for `ms` and reports whether it held every time: for "nothing happens" checks. */
export async function holdsFor(pred: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!pred()) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return pred();
}

export interface ApiBatch {
  id: number;
  name: string;
  start_date: string | null;
  created_at: string;
}

export async function getPage(url: string, headers: Record<string, string> = {}): Promise<{ batches: ApiBatch[]; has_more: boolean }> {
  const res = await fetch(url, { headers });
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { batches: ApiBatch[]; has_more: boolean };
}

/** Everything after `after` (exclusive), following the (created_at, id) cursor page by page. */
export async function pageAll(api: string, opts: { limit?: number; after?: string; headers?: Record<string, string> } = {}): Promise<{ batches: ApiBatch[]; pages: number }> {
  const out: ApiBatch[] = [];
  let cursor: { after: string; id: number } | null = null;
  let pages = 0;
  for (;;) {
    const q = new URLSearchParams({ limit: String(opts.limit ?? 100) });
    if (cursor !== null) {
      q.set('after', cursor.after);
      q.set('after_id', String(cursor.id));
    } else if (opts.after !== undefined) q.set('after', opts.after);
    const page = await getPage(`${api}/batches?${q}`, opts.headers);
    pages++;
    out.push(...page.batches);
    const last = page.batches[page.batches.length - 1];
    if (!page.has_more || last === undefined) return { batches: out, pages };
    cursor = { after: last.created_at, id: last.id };
  }
}

/** The log's lines, oldest file first: PATH.N ... PATH.1, PATH. */
export function logLines(sim: Simulator): string[] {
  const files = [...sim.rotatedLogs().reverse(), sim.logPath];
  return files.flatMap((f) => readFileSync(f, 'utf8').split('\n').slice(0, -1));
}
