// The two ways to compute the per-batch answer from a whole history, each as a child process
// measured from outside (bench/measure.ts): `batchboard rebuild` and DuckDB
// (bench/workers/duckdb-counts.mjs). Shared by bench/rebuild.ts and bench/coldstart.ts.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { differences, warehouseBatches, type History, type PerBatch } from './history.ts';
import { spawnMeasured, type Measured } from './measure.ts';
import { readWarehouse } from '../src/storage/reader.ts';
import { isPostgresUrl } from '../src/domain/identity.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'batchboard.mjs');
const DUCKDB_WORKER = fileURLToPath(new URL('./workers/duckdb-counts.mjs', import.meta.url));

export interface Outcome {
  m: Measured;
  /** Differences from the simulator's expectation; empty when exact. */
  diff: string[];
  note: string;
}

export function sourceArgs(h: History, warehouse: string): string[] {
  return ['--api', h.sim.apiUrl, '--students', h.sim.studentsPath, '--log', h.sim.logPath, '--warehouse', warehouse];
}

/**
 * The bin builds src/ into dist/ first when a source changed since the last build (other engineers
 * edit src/ while benchmarks run): a `--help` just before a timed command keeps that build out of
 * its time, and loads the bin's files into the page cache.
 */
export function warmBatchboard(command: string): void {
  const r = spawnSync(process.execPath, [BIN, command, '--help'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`batchboard ${command} --help failed (${r.status}): ${r.stderr}`);
}

/** Loads DuckDB's native library once, so that its first timed run does not read it from disk. */
export function warmDuckDb(): void {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', "import '@duckdb/node-api'"], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cannot load @duckdb/node-api: ${r.stderr}`);
}

export async function batchboardRebuild(h: History, warehouse: string): Promise<Outcome> {
  warmBatchboard('rebuild');
  const m = await spawnMeasured(process.execPath, [BIN, 'rebuild', ...sourceArgs(h, warehouse)], { cwd: ROOT }).done;
  if (m.code !== 0) return { m, diff: [`exit ${m.code ?? m.signal}: ${m.stderr.trim().split('\n').slice(-3).join(' | ')}`], note: '' };
  const found = isPostgresUrl(warehouse) ? await pgBatches(warehouse) : warehouseBatches(warehouse);
  return { m, diff: differences(h.expected, found), note: m.stdout.trim() };
}

/** Per batch, the sum of its students' qualified_at in ms (the ledger has no event times: DuckDB's answer is the other side). */
export type QualifiedSums = Map<number, number>;

export async function qualifiedAtSums(warehouse: string): Promise<QualifiedSums> {
  const c = await readWarehouse(warehouse, (r) => r.contents());
  const out: QualifiedSums = new Map(c.batches.map((b) => [b.id, 0]));
  for (const s of c.students) if (s.qualified_at !== null && out.has(s.batch_id)) out.set(s.batch_id, out.get(s.batch_id)! + Date.parse(s.qualified_at));
  return out;
}

/** Batches whose qualified_at sums differ between two answers, named (at most 3), with their count. */
export function qualifiedAtDiff(a: QualifiedSums, b: QualifiedSums): string[] {
  const ids = [...new Set([...a.keys(), ...b.keys()])].filter((id) => a.get(id) !== b.get(id));
  if (ids.length === 0) return [];
  return [`qualified_at differs from DuckDB's in ${ids.length} batches (${ids.slice(0, 3).map((id) => `${id}: ${a.get(id)} vs ${b.get(id)}`).join(', ')})`];
}

/** A PostgreSQL warehouse's per-batch answer, read as any reader of it would. */
async function pgBatches(url: string): Promise<PerBatch> {
  const c = await readWarehouse(url, (r) => r.contents());
  return new Map(c.batches.map((b) => [b.id, [b.student_count, b.qualified_students]]));
}

export async function duckDb(h: History, threads = 2): Promise<Outcome & { studentsFrom: string; queryMs: number; selfPeakBytes: number; qualifiedAt: QualifiedSums }> {
  warmDuckDb();
  const input = {
    api: h.sim.apiUrl,
    students: h.sim.studentsPath,
    studentsCsv: h.studentsCsv,
    logs: h.logFiles,
    threads,
    minLessons: 3,
    // An empty directory of its own: the sqlite extension loads only if it is installed there.
    extensionDir: join(h.dir, 'duckdb-extensions'),
  };
  const m = await spawnMeasured(process.execPath, [DUCKDB_WORKER, JSON.stringify(input)], { cwd: ROOT }).done;
  if (m.code !== 0) {
    return { m, diff: [`exit ${m.code ?? m.signal}: ${m.stderr.trim().split('\n').slice(-3).join(' | ')}`], note: '', studentsFrom: '?', queryMs: NaN, selfPeakBytes: 0, qualifiedAt: new Map() };
  }
  const out = JSON.parse(m.stdout) as { batches: [number, number, number, number][]; studentsFrom: string; apiMs: number; queryMs: number; totalMs: number; maxRssBytes: number };
  const answer: PerBatch = new Map(out.batches.map(([id, n, q]) => [id, [n, q]]));
  return {
    m,
    diff: differences(h.expected, answer),
    note: `students from the ${out.studentsFrom}; API ${out.apiMs.toFixed(0)} ms, query ${out.queryMs.toFixed(0)} ms`,
    studentsFrom: out.studentsFrom,
    queryMs: out.queryMs,
    selfPeakBytes: out.maxRssBytes,
    qualifiedAt: new Map(out.batches.map(([id, , , ms]) => [id, ms])),
  };
}
