// The generated history that bench/rebuild.ts and bench/coldstart.ts hand to batchboard and to
// DuckDB alike: the project's simulator (1,000 batches, 100,000 students, N test runs), the log in
// three files as a rotating program leaves it (PATH.2 with 80% of the runs, PATH.1 and PATH with
// 10% each), the page cache warmed, and what the warehouse must say per batch, from the
// simulator's ledger (never from batchboard's code).
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startSimulator, type Simulator } from '../src/simulator/index.ts';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

// Histories of a gigabyte and more under /tmp: removed on the way out, also on Ctrl-C.
const dirs = new Set<string>();
let handlersOn = false;
export function benchDir(prefix: string): string {
  if (!handlersOn) {
    handlersOn = true;
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.once(sig, () => {
        for (const d of dirs) rmSync(d, { recursive: true, force: true });
        process.exit(130);
      });
    }
  }
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(d);
  return d;
}
export function removeDir(d: string): void {
  rmSync(d, { recursive: true, force: true });
  dirs.delete(d);
}

/** [student_count, qualified_students] by batch id. */
export type PerBatch = Map<number, [number, number]>;

export interface History {
  dir: string;
  sim: Simulator;
  /** Oldest first: PATH.2, PATH.1, PATH. */
  logFiles: string[];
  logBytes: number;
  runs: number;
  expected: PerBatch;
  /** The students table as CSV, for a DuckDB without its sqlite extension. */
  studentsCsv: string;
  csvMs: number;
  genMs: number;
  describe(): string;
  close(): Promise<void>;
}

export async function makeHistory(testRuns: number, o: { batches?: number; students?: number } = {}): Promise<History> {
  const batches = o.batches ?? 1_000;
  const students = o.students ?? 100_000;
  const dir = benchDir('bb-history-');
  const t0 = performance.now();
  const tail = Math.floor(testRuns / 10);
  const sim = await startSimulator({ dir, history: { batches, students, testRuns: testRuns - 2 * tail }, live: false });
  try {
    for (let i = 0; i < 2; i++) {
      sim.rotate();
      for (let left = tail; left > 0; left -= Math.min(left, 100_000)) sim.writeTestRuns(Math.min(left, 100_000));
    }
    await sim.settled();
    const genMs = performance.now() - t0;
    const logFiles = [...sim.rotatedLogs().reverse(), sim.logPath];
    const logBytes = logFiles.reduce((n, f) => n + statSync(f).size, 0);
    const w = sim.expected();
    const expected: PerBatch = new Map(w.batches.map((b) => [b.id, [b.student_count, b.qualified_students]]));
    const c0 = performance.now();
    const studentsCsv = join(dir, 'students.csv');
    exportStudents(sim.studentsPath, studentsCsv);
    const csvMs = performance.now() - c0;
    const runs = sim.ledger.counts().testRuns;
    const qualified = w.batches.reduce((n, b) => n + b.qualified_students, 0);
    return {
      dir, sim, logFiles, logBytes, runs, expected, studentsCsv, csvMs, genMs,
      describe: () =>
        `history: ${fmt(w.batches.length)} batches, ${fmt(w.students.length)} students (${fmt(qualified)} qualified), ${fmt(runs)} test runs in ` +
        `${logFiles.length} files (${logFiles.map((f) => `${f.slice(dir.length + 1)} ${(statSync(f).size / 2 ** 20).toFixed(0)} MiB`).join(', ')}; ` +
        `${(logBytes / 2 ** 20).toFixed(0)} MiB, ${Math.round(logBytes / runs)} bytes a line), generated in ${(genMs / 1000).toFixed(1)} s under ${dir}`,
      close: async () => {
        await sim.close();
        removeDir(dir);
      },
    };
  } catch (err) {
    await sim.close();
    removeDir(dir);
    throw err;
  }
}

/** Reads every file once, so that every contender finds them in the page cache. */
export function warmCache(files: string[]): void {
  const buf = Buffer.allocUnsafe(8 << 20);
  for (const f of files) {
    const fd = openSync(f, 'r');
    try {
      while (readSync(fd, buf, 0, buf.length, null) > 0);
    } finally {
      closeSync(fd);
    }
  }
}

const csvField = (v: unknown) => {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/** The students table as CSV, read-only with better-sqlite3 (RFC 4180 quoting; NULL is an empty field). */
export function exportStudents(db: string, csv: string): void {
  const d = new Database(db, { readonly: true, fileMustExist: true });
  try {
    const out: string[] = ['id,name,email,batch_id,created_at'];
    for (const r of d.prepare('SELECT id, name, email, batch_id, created_at FROM students ORDER BY id').raw().iterate() as IterableIterator<unknown[]>) {
      out.push(r.map(csvField).join(','));
    }
    writeFileSync(csv, `${out.join('\n')}\n`);
  } finally {
    d.close();
  }
}

/** `fn` over the warehouse opened read-only; null when it cannot be opened or read yet (no batches table). */
function readOnly<T>(file: string, fn: (d: Database.Database) => T): T | null {
  let d: Database.Database;
  try {
    d = new Database(file, { readonly: true, fileMustExist: true });
  } catch {
    return null;
  }
  try {
    d.pragma('busy_timeout = 2000');
    return fn(d);
  } catch {
    return null;
  } finally {
    d.close();
  }
}

/** The warehouse's per-batch counts, read-only in one snapshot; null before it has a batches table. */
export function warehouseBatches(file: string): PerBatch | null {
  return readOnly(file, (d) => {
    const rows = d.prepare('SELECT id, student_count, qualified_students FROM batches ORDER BY id').raw().all() as [number, number, number][];
    return new Map(rows.map(([id, n, q]) => [id, [n, q]]));
  });
}

/** [batches, sum of student_count, sum of qualified_students]: a cheap first look, read-only; null before there is a batches table. */
export function warehouseTotals(file: string): [number, number, number] | null {
  return readOnly(file, (d) => d.prepare('SELECT count(*), total(student_count), total(qualified_students) FROM batches').raw().get() as [number, number, number]);
}

export function totals(p: PerBatch): [number, number, number] {
  let n = 0;
  let q = 0;
  for (const [a, b] of p.values()) {
    n += a;
    q += b;
  }
  return [p.size, n, q];
}

/** What differs between the expectation and a contender's answer; empty when exact. */
export function differences(expected: PerBatch, actual: PerBatch | null, max = 5): string[] {
  if (actual === null) return ['no answer'];
  const out: string[] = [];
  if (actual.size !== expected.size) out.push(`${actual.size} batches, expected ${expected.size}`);
  for (const [id, [n, q]] of expected) {
    const a = actual.get(id);
    if (a === undefined) out.push(`batch ${id} missing`);
    else if (a[0] !== n || a[1] !== q) out.push(`batch ${id}: students ${a[0]} qualified ${a[1]}, expected ${n} and ${q}`);
  }
  return out.length > max ? [...out.slice(0, max), `and ${out.length - max} more`] : out;
}
