// The PostgreSQL reader returns what the SQLite reader returns for the same data (so that `verify`,
// `top` and the web page read either backend): the same records written through both writers
// (streaming), then through both rebuilds (replaceAll), read back through both readers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { computeWarehouse } from '../../src/domain/aggregate.ts';
import type { Batch, Rejected, Student } from '../../src/domain/records.ts';
import { INITIAL_OFFSETS, type Offsets } from '../../src/domain/offsets.ts';
import type { LostLog } from '../../src/storage/history.ts';
import type { WriteTx } from '../../src/storage/writer.ts';
import { Warehouse } from '../../src/storage/warehouse.ts';
import { WarehouseReader } from '../../src/storage/reader.ts';
import { PgWarehouse } from '../../src/storage/pg/writer.ts';
import { PgWarehouseReader } from '../../src/storage/pg/reader.ts';
import { brokenInvariant, createTestDatabase, rawClient } from '../../src/storage/pg/test-db.ts';
import { Rng } from '../../src/simulator/rng.ts';
import { BASE_MS } from '../triples.ts';

function rng(seed: number): (n: number) => number {
  const r = new Rng(seed, 'pg');
  return (n) => r.int(n);
}

const NAMES = ['Ada', 'Zoë "Z" Ødegård', 'tab\there', 'line\nbreak', 'back\\slash', '名前', 'emoji 🎓', "O'Brien", ''];

function txs(seed: number): WriteTx[] {
  const rnd = rng(seed);
  const out: WriteTx[] = [];
  for (let i = 0; i < 60; i++) {
    const now = new Date(Date.UTC(2024, 2, 1, 10, 0, i, rnd(1000))).toISOString();
    const tx: WriteTx = { now, batches: [], students: [], completions: [], rejected: [], lost: [], offsets: {} };
    if (rnd(3) === 0) {
      const id = 1 + rnd(15);
      tx.batches.push({ id, name: `${NAMES[rnd(NAMES.length)]} ${id}`.trim() || `b${id}`, start_date: rnd(3) === 0 ? null : `2024-0${1 + rnd(9)}-1${rnd(10)}`, created_at: now });
    }
    for (let k = 0; k < rnd(4); k++) {
      const id = 1 + rnd(80);
      tx.students.push({ id, name: NAMES[id % NAMES.length]!, email: id % 3 === 0 ? null : `s${id}@example.com`, batch_id: 1 + (id % 17), created_at: now });
    }
    // Times to the millisecond, in any order: a pair often comes again with an earlier one.
    const triples: number[] = [];
    for (let k = 0; k < rnd(40); k++) triples.push(1 + rnd(90), 1 + rnd(9), BASE_MS + rnd(30 * 86_400) * 1000 + rnd(1000));
    tx.completions.push(Float64Array.from(triples));
    if (rnd(4) === 0) tx.rejected.push({ source: (['batches', 'students', 'test_runs'] as const)[rnd(3)]!, reason: 'bad\tthing', raw: `{"x": ${rnd(5)}}\n`, key: String(100 + rnd(20)) });
    if (rnd(15) === 0) tx.lost.push({ reason: rnd(2) ? 'truncated' : 'deleted', file: 'test_runs.log.1', pos: 1000 * i, key: `lost-${i}` });
    tx.offsets = { test_runs: { dev: 2, ino: 3, pos: i, head: 'aGk=' } };
    out.push(tx);
  }
  return out;
}

function writeSqlite(w: Warehouse, tx: WriteTx): void {
  w.begin();
  w.applyBatches(tx.batches, tx.now);
  w.applyStudents(tx.students, tx.now);
  for (const c of tx.completions) w.applyCompletions(c, tx.now);
  w.reject(tx.rejected, tx.now);
  w.recordLost(tx.lost, tx.now);
  for (const [source, value] of Object.entries(tx.offsets)) w.setOffset(source as keyof Offsets, value as never, tx.now);
  w.commit();
}

async function readBoth(file: string, url: string) {
  const s = WarehouseReader.open(file);
  const p = await PgWarehouseReader.open(url);
  try {
    const read = async (r: WarehouseReader | PgWarehouseReader) => ({
      contents: await r.contents(),
      leaderboard: await r.leaderboard(10),
      lost: await r.lostHistory(),
      min: await r.minLessons(),
    });
    return { sqlite: await read(s), pg: await read(p) };
  } finally {
    await s.close();
    await p.close();
  }
}

test('streaming: the same transactions through both writers read back the same through both readers', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bb-pg-reader-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const db = await createTestDatabase(undefined, 'reader');
  t.teardown(() => db.drop());
  const file = path.join(dir, 'warehouse.db');
  const s = Warehouse.open(file, { minLessons: 2, sources: 'x' });
  const p = await PgWarehouse.open(db.url, { pipeline: 'p', minLessons: 2, sources: 'x' });
  for (const tx of txs(4)) {
    writeSqlite(s, tx);
    await p.write(tx);
  }
  t.deepEqual(await p.offset('test_runs'), s.offset('test_runs'));
  t.deepEqual(await p.offset('batches'), s.offset('batches'));
  t.deepEqual(await p.knownStudentIds(), s.knownStudentIds());
  await s.close();
  await p.close();
  const got = await readBoth(file, db.url);
  t.true(got.sqlite.contents.students.length > 20);
  t.true(got.sqlite.contents.students.some((s) => s.qualified_at !== null), 'some students qualified, with a time');
  t.true(got.sqlite.lost.length > 0);
  t.deepEqual(got.pg, got.sqlite);
});

test('rebuild: replaceAll of one computed warehouse into both backends reads back the same; PostgreSQL keeps the key and the invariant', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bb-pg-rebuild-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const db = await createTestDatabase(undefined, 'rebuild');
  t.teardown(() => db.drop());
  const all = { batches: [] as Batch[], students: [] as Student[], completions: [] as number[], rejected: [] as Rejected[], lost: [] as LostLog[] };
  for (const tx of txs(8)) {
    all.batches.push(...tx.batches);
    all.students.push(...tx.students);
    for (const c of tx.completions) all.completions.push(...c);
    all.rejected.push(...tx.rejected);
  }
  const snap = computeWarehouse({ ...all, minLessons: 3 });
  const offsets: Offsets = { ...INITIAL_OFFSETS, students: { hwm: 80 }, test_runs: { dev: 1, ino: 2, pos: 3, head: '' } };
  const file = path.join(dir, 'warehouse.db');
  const s = Warehouse.open(file, { minLessons: 3, sources: 'x' });
  const sc = s.replaceAll(snap, offsets, all.rejected);
  await s.close();
  const p = await PgWarehouse.open(db.url, { pipeline: 'p', minLessons: 3, sources: 'x' });
  // Something there before: the rebuild replaces it, offsets and lost history included.
  await p.write({ now: '2024-01-01T00:00:00.000Z', batches: [{ id: 999, name: 'gone', start_date: null, created_at: '2024-01-01T00:00:00.000Z' }], students: [], completions: [Float64Array.from([5000, 1, BASE_MS])], rejected: [], lost: [{ reason: 'deleted', file: 'f', pos: 1, key: 'k' }], offsets: { batches: { created_at: '2024-01-01T00:00:00.000Z', id: 999 } } });
  const pc = await p.replaceAll(snap, offsets, all.rejected);
  t.deepEqual(pc, sc);
  t.deepEqual(await p.offset('test_runs'), offsets.test_runs);
  t.deepEqual(await p.offset('batches'), null);
  t.deepEqual(await p.offset('students'), { hwm: 80 });
  const got = await readBoth(file, db.url);
  t.deepEqual(got.pg, got.sqlite);
  t.deepEqual(got.pg.contents.students, snap.students, 'the computed rows, qualified_at included');
  // Streaming goes on from there: the key is back (a pair stored once), counts stay consistent.
  const pair = (() => {
    let first: [number, number] | null = null;
    snap.completions.forEach((a, b) => (first ??= [a, b]));
    return first!;
  })();
  t.like(
    await p.write({ now: '2024-05-01T00:00:00.000Z', batches: [], students: [], completions: [Float64Array.from([...pair, BASE_MS - 1, 1, 77, BASE_MS])], rejected: [], lost: [], offsets: {} }),
    { completions: 1 },
  );
  const c = await rawClient(db.url);
  t.deepEqual(await brokenInvariant(c, 3), []);
  await c.end();
  await p.close();
});

test('rebuild is refused while another pipeline writes the warehouse', async (t) => {
  const db = await createTestDatabase(undefined, 'rebuildbusy');
  t.teardown(() => db.drop());
  const other = await PgWarehouse.open(db.url, { pipeline: 'machine-b', minLessons: 3, sources: 'b' });
  const p = await PgWarehouse.open(db.url, { pipeline: 'machine-a', minLessons: 3, sources: 'a' });
  const snap = computeWarehouse({ batches: [], students: [], completions: [], minLessons: 3 });
  const err = await t.throwsAsync(p.replaceAll(snap, INITIAL_OFFSETS, []));
  t.regex(err!.message, /pipeline machine-b is writing warehouse postgres:\/\/\S+ \(host \S+, pid \d+, since \S+\): stop it before a rebuild/);
  await other.close();
  await p.replaceAll(snap, INITIAL_OFFSETS, []);
  await p.close();
});
