// Issue 11's writer numbers, PostgreSQL and SQLite side by side on the same transactions:
//  1. sustained writes of the pipeline's kind: 5,000 students stored, test runs of which a quarter
//     complete a new lesson (of 100,000), as the Aggregator commits them (the completing pairs and
//     the log's offset), at several runs per commit; runs/s as fast as each writer takes them;
//  2. commit latency at 50,000 runs/s (a commit every 10 ms of 500 runs): p50 and p99 of write();
//  3. the rebuild of a large computed warehouse (the 10,000,000-run history's shape: 1,000 batches,
//     100,000 students, 2,700,000 distinct completions): PostgreSQL's replaceAll (COPY) against
//     SQLite's replaceAll, on the same ComputedWarehouse.
// Run: node --import=tsx bench/pg-writer.ts [--url postgres://postgres@127.0.0.1:5432/postgres] [--rounds N] [--small]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { computeWarehouse, type ComputedWarehouse } from '../src/domain/aggregate.ts';
import type { Batch, Student } from '../src/domain/records.ts';
import { INITIAL_OFFSETS } from '../src/domain/offsets.ts';
import type { WriteTx } from '../src/storage/writer.ts';
import { Warehouse } from '../src/storage/warehouse.ts';
import { PgWarehouse } from '../src/storage/pg/writer.ts';
import { createTestDatabase, TEST_SERVER } from '../src/storage/pg/test-db.ts';
import { machineLine } from './machine.ts';
import { loadLine } from './measure.ts';
import { Rng } from '../src/simulator/rng.ts';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const NOW = '2024-03-01T00:00:00.000Z';

function rng(seed: number): (n: number) => number {
  const r = new Rng(seed, 'pg');
  return (n) => r.int(n);
}

const STUDENTS = 5_000;
const LESSONS = 100_000;

function people(): { batches: Batch[]; students: Student[] } {
  const batches: Batch[] = [];
  for (let id = 1; id <= 100; id++) batches.push({ id, name: `batch-${id}`, start_date: '2024-04-01', created_at: NOW });
  const students: Student[] = [];
  for (let id = 1; id <= STUDENTS; id++) students.push({ id, name: `Student ${id}`, email: `s${id}@example.com`, batch_id: 1 + (id % 100), created_at: NOW });
  return { batches, students };
}

/** Runs' created_at: from 2024-03-01, a run every 10 ms in log order. */
const T0 = Date.parse(NOW);

/** `commits` transactions of `runs` test runs each: a quarter complete a lesson (triples [student, lesson, ms]), the rest fail (not sent, §3). */
function runTxs(commits: number, runs: number, seed: number): WriteTx[] {
  const rnd = rng(seed);
  const out: WriteTx[] = [];
  let pos = 0;
  let run = 0;
  for (let i = 0; i < commits; i++) {
    const pairs = new Float64Array(3 * Math.floor(runs / 4));
    for (let k = 0; k < pairs.length; k += 3) {
      pairs[k] = 1 + rnd(STUDENTS);
      pairs[k + 1] = 1 + rnd(LESSONS);
      pairs[k + 2] = T0 + 40 * run++;
    }
    pos += runs * 190;
    out.push({ now: NOW, batches: [], students: [], completions: [pairs], rejected: [], lost: [], offsets: { test_runs: { dev: 1, ino: 2, pos, head: 'eyJpZCI6' } } });
  }
  return out;
}

function sqliteWrite(w: Warehouse, tx: WriteTx): void {
  w.begin();
  if (tx.batches.length > 0) w.applyBatches(tx.batches, tx.now);
  if (tx.students.length > 0) w.applyStudents(tx.students, tx.now);
  for (const c of tx.completions) w.applyCompletions(c, tx.now);
  if (tx.offsets.test_runs !== undefined && tx.offsets.test_runs !== null) w.setOffset('test_runs', tx.offsets.test_runs, tx.now);
  w.commit();
}

interface Backend {
  name: string;
  write(tx: WriteTx): Promise<void>;
  close(): Promise<void>;
}

async function backends(dir: string, url: string): Promise<Backend[]> {
  const file = path.join(dir, `w-${Math.random().toString(36).slice(2)}.db`);
  const s = Warehouse.open(file, { minLessons: 3, sources: 'bench' });
  s.startCheckpointer();
  const p = await PgWarehouse.open(url, { pipeline: 'bench', minLessons: 3, sources: 'bench' });
  const seed = people();
  const first: WriteTx = { now: NOW, batches: seed.batches, students: seed.students, completions: [], rejected: [], lost: [], offsets: {} };
  sqliteWrite(s, first);
  await p.write(first);
  return [
    { name: 'SQLite', write: async (tx) => sqliteWrite(s, tx), close: () => s.close() },
    { name: 'PostgreSQL', write: async (tx) => void (await p.write(tx)), close: () => p.close() },
  ];
}

async function sustained(url: string, dir: string, small: boolean): Promise<string[]> {
  const rows: string[] = [];
  const sizes = small ? [2_000, 20_000] : [2_000, 12_500, 50_000, 200_000];
  for (const runs of sizes) {
    const db = await createTestDatabase(url, 'bench_writer');
    try {
      const bs = await backends(dir, db.url);
      const total = small ? 400_000 : 2_000_000;
      const txs = runTxs(Math.max(8, Math.round(total / runs)), runs, runs);
      const cells: string[] = [];
      for (const b of bs) {
        const t0 = performance.now();
        for (const tx of txs) await b.write(tx);
        const s = (performance.now() - t0) / 1000;
        cells.push(`${fmt((txs.length * runs) / s)} (${((s / txs.length) * 1000).toFixed(1)} ms a commit)`);
        await b.close();
      }
      rows.push(`| ${fmt(runs)} | ${fmt(runs / 4)} | ${cells.join(' | ')} |`);
      console.log(`  ${fmt(runs)} runs a commit: SQLite ${cells[0]}, PostgreSQL ${cells[1]} runs/s`);
    } finally {
      await db.drop();
    }
  }
  return rows;
}

async function latency(url: string, dir: string, seconds: number): Promise<string[]> {
  const db = await createTestDatabase(url, 'bench_latency');
  const rows: string[] = [];
  try {
    const bs = await backends(dir, db.url);
    for (const b of bs) {
      const txs = runTxs(seconds * 100, 500, 99);
      const ms: number[] = [];
      const start = performance.now();
      for (const [i, tx] of txs.entries()) {
        const due = start + i * 10;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const t0 = performance.now();
        await b.write(tx);
        ms.push(performance.now() - t0);
      }
      ms.sort((a, z) => a - z);
      const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))]!;
      rows.push(`| ${b.name} | ${q(0.5).toFixed(2)} | ${q(0.99).toFixed(2)} | ${q(1).toFixed(2)} |`);
      console.log(`  ${b.name}: commit of 500 runs every 10 ms: p50 ${q(0.5).toFixed(2)} ms, p99 ${q(0.99).toFixed(2)} ms, max ${q(1).toFixed(2)} ms`);
      await b.close();
    }
  } finally {
    await db.drop();
  }
  return rows;
}

/** The 10,000,000-run history's shape, computed (sorted keys, as the parallel scan hands them). */
function bigWarehouse(students: number, perStudent: number): ComputedWarehouse {
  const rnd = rng(42);
  const batches: Batch[] = [];
  for (let id = 1; id <= 1_000; id++) batches.push({ id, name: `nyc-web-${id}`, start_date: id % 25 === 0 ? null : '2024-04-01', created_at: NOW });
  const ss: Student[] = [];
  for (let id = 1; id <= students; id++) ss.push({ id, name: `Student ${id}`, email: id % 9 === 0 ? null : `s${id}@example.com`, batch_id: 1 + rnd(1_000), created_at: NOW });
  const pack = 1_024;
  const keys = new Float64Array(students * perStudent);
  const times = new Float64Array(keys.length);
  let k = 0;
  for (let s = 1; s <= students; s++) {
    const n = Math.max(0, perStudent - 4 + rnd(9));
    let l = 0;
    for (let j = 0; j < n && k < keys.length; j++) {
      l += 1 + rnd(3);
      times[k] = Date.parse(NOW) + rnd(365 * 86_400) * 1000;
      keys[k++] = s * pack + l;
    }
  }
  return computeWarehouse({ batches, students: ss, completions: { keys: keys.subarray(0, k), times: times.subarray(0, k), pack }, minLessons: 3 });
}

async function rebuildRace(url: string, dir: string, rounds: number, small: boolean): Promise<string[]> {
  const snap = bigWarehouse(small ? 20_000 : 100_000, 27);
  console.log(`  computed: ${fmt(snap.batches.length)} batches, ${fmt(snap.students.length)} students, ${fmt(snap.completions.size)} completions`);
  const offsets = { ...INITIAL_OFFSETS, students: { hwm: snap.students.length }, test_runs: { dev: 1, ino: 2, pos: 3, head: '' } };
  let best = { sqlite: Infinity, pg: Infinity };
  for (let r = 1; r <= rounds; r++) {
    const file = path.join(dir, `rebuild-${r}.db`);
    const s = Warehouse.open(file, { minLessons: 3, sources: 'bench', replaceSources: true });
    let t0 = performance.now();
    s.replaceAll(snap, offsets, []);
    const sMs = performance.now() - t0;
    await s.close();
    fs.rmSync(file, { force: true });
    const db = await createTestDatabase(url, 'bench_rebuild');
    try {
      const p = await PgWarehouse.open(db.url, { pipeline: 'bench', minLessons: 3, sources: 'bench' });
      t0 = performance.now();
      await p.replaceAll(snap, offsets, []);
      const pMs = performance.now() - t0;
      await p.close();
      console.log(`  round ${r}: SQLite replaceAll ${(sMs / 1000).toFixed(2)} s, PostgreSQL replaceAll ${(pMs / 1000).toFixed(2)} s (${loadLine()})`);
      best = { sqlite: Math.min(best.sqlite, sMs), pg: Math.min(best.pg, pMs) };
    } finally {
      await db.drop();
    }
  }
  return [`| ${fmt(snap.completions.size)} completions, ${fmt(snap.students.length)} students | ${(best.sqlite / 1000).toFixed(2)} | ${(best.pg / 1000).toFixed(2)} | ${(best.pg / best.sqlite).toFixed(1)} |`];
}

export async function main(argv: string[] = []): Promise<void> {
  const u = argv.indexOf('--url');
  const url = u >= 0 ? argv[u + 1]! : TEST_SERVER;
  const r = argv.indexOf('--rounds');
  const rounds = r >= 0 ? Math.max(1, Number(argv[r + 1])) : 3;
  const small = argv.includes('--small') || argv.includes('--quick');
  console.log('# the warehouse writers: PostgreSQL beside SQLite (bench/pg-writer.ts)');
  console.log(machineLine());
  console.log(`  ${loadLine()}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bb-pg-writer-'));
  try {
    const s = await sustained(url, dir, small);
    const l = await latency(url, dir, small ? 3 : 10);
    const b = await rebuildRace(url, dir, rounds, small);
    console.log();
    console.log('| runs a commit | completions a commit | SQLite runs/s | PostgreSQL runs/s |');
    console.log('|---:|---:|---:|---:|');
    for (const x of s) console.log(x);
    console.log('(a quarter of the runs complete a new lesson: 5,000 students, 100,000 lessons; as fast as each writer commits, one after the other)');
    console.log();
    console.log('| at 50,000 runs/s | commit p50 ms | p99 ms | max ms |');
    console.log('|---|---:|---:|---:|');
    for (const x of l) console.log(x);
    console.log();
    console.log('| rebuild of | SQLite replaceAll s | PostgreSQL replaceAll (COPY) s | ratio |');
    console.log('|---|---:|---:|---:|');
    for (const x of b) console.log(x);
    console.log(`(the fastest of ${rounds}; the writing part of a rebuild only, the same ComputedWarehouse for both)`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main(process.argv.slice(2));
