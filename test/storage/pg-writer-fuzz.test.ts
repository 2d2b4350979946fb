// The PostgreSQL writer against the from-scratch computation (as warehouse-fuzz.test.ts holds the
// SQLite one): random transactions of batches, students and completions in every order (completions
// before their student, students before their batch, batches served again with another name), some
// lost (never written: a crash before the commit), some followed by the writer closed and opened
// again, sometimes with another minimum of lessons. Completions carry times in any order, so that a
// pair often comes again with an earlier time. After every transaction the §4 invariant holds in the
// database; at the end the contract tables (qualified_at included) equal computeWarehouse over what
// was written, each pair is stored once with its earliest time, and writing every transaction again
// changes nothing.
import test from 'ava';
import { computeWarehouse } from '../../src/domain/aggregate.ts';
import type { Batch, Rejected, Student } from '../../src/domain/records.ts';
import type { WriteTx } from '../../src/storage/writer.ts';
import { PgWarehouse } from '../../src/storage/pg/writer.ts';
import { PgWarehouseReader } from '../../src/storage/pg/reader.ts';
import { brokenInvariant, createTestDatabase, rawClient } from '../../src/storage/pg/test-db.ts';
import { Rng } from '../../src/simulator/rng.ts';
import { BASE_MS, earliest, iso } from '../triples.ts';
import { brokenQualifiedAt } from './pg-qualified-at.ts';

const NOW = '2024-01-01T00:00:00.000Z';

function rng(seed: number): (n: number) => number {
  const r = new Rng(seed, 'pg');
  return (n) => r.int(n);
}

function randomTx(rnd: (n: number) => number, step: number): WriteTx {
  const tx: WriteTx = { now: NOW, batches: [], students: [], completions: [], rejected: [], lost: [], offsets: {} };
  for (let k = 0; k < 1 + rnd(4); k++) {
    const kind = rnd(4);
    if (kind === 0) tx.batches.push({ id: 1 + rnd(8), name: `b${rnd(3)}`, start_date: rnd(2) ? null : '2024-02-01', created_at: NOW });
    else if (kind === 1) {
      const id = 1 + rnd(60);
      tx.students.push({ id, name: `s${id}`, email: rnd(2) ? null : `s${id}@x`, batch_id: 1 + (id % 9), created_at: NOW });
    } else if (kind === 2) {
      const t: number[] = [];
      for (let j = 0; j < rnd(12); j++) t.push(1 + rnd(60), rnd(6), BASE_MS + rnd(40) * 60_000);
      tx.completions.push(Float64Array.from(t));
    } else {
      tx.rejected.push({ source: (['batches', 'students', 'test_runs'] as const)[rnd(3)]!, reason: 'bad', raw: `raw ${rnd(5)}`, key: String(rnd(10)) });
    }
  }
  tx.offsets = { test_runs: { dev: 1, ino: 1, pos: step, head: '' } };
  return tx;
}

for (const seed0 of [1, 2, 3]) {
  test(`seed ${seed0}: consistent after every transaction, equal to the batch answer, the same when written twice`, async (t) => {
    const db = await createTestDatabase(undefined, 'fuzz');
    t.teardown(() => db.drop());
    const rnd = rng(seed0 * 7919);
    let min = 3;
    const open = () => PgWarehouse.open(db.url, { pipeline: 'p', minLessons: min, sources: 'x' });
    let w = await open();
    const peek = await rawClient(db.url);
    t.teardown(() => peek.end());
    const all = { batches: [] as Batch[], students: [] as Student[], completions: [] as number[], rejected: [] as Rejected[] };
    const written: WriteTx[] = [];
    for (let step = 0; step < 150; step++) {
      const tx = randomTx(rnd, step);
      const r = rnd(10);
      if (r === 0) continue; // lost before its commit
      await w.write(tx);
      written.push(tx);
      all.batches.push(...tx.batches);
      all.students.push(...tx.students);
      for (const c of tx.completions) all.completions.push(...c);
      all.rejected.push(...tx.rejected);
      if (r === 1) {
        await w.close();
        if (rnd(2)) min = 2 + rnd(3);
        w = await open();
      }
      const broken = [...(await brokenInvariant(peek, min)), ...(await brokenQualifiedAt(peek, min)).map((s) => `qualified_at of ${s}`)];
      if (broken.length > 0) {
        t.fail(`step ${step}: ${broken.join(', ')} inconsistent`);
        break;
      }
    }
    const expected = computeWarehouse({ ...all, minLessons: min });
    const read = async () => {
      const r = await PgWarehouseReader.open(db.url);
      try {
        return await r.contents();
      } finally {
        await r.close();
      }
    };
    const got = await read();
    t.deepEqual(got.batches, expected.batches);
    t.deepEqual(got.students, expected.students);
    t.is(Number((await peek.query('SELECT count(*) AS n FROM completions')).rows[0].n), expected.completions.size, 'each pair stored once');
    const stored = (await peek.query("SELECT student_id::float8 AS s, lesson_id::float8 AS l, (extract(epoch FROM completed_at) * 1000)::float8 AS ms FROM completions")).rows as { s: number; l: number; ms: number }[];
    const want = earliest(all.completions);
    t.deepEqual(stored.filter((r) => want.get(`${r.s}:${r.l}`) !== r.ms).slice(0, 5), [], 'each pair with its earliest time');
    const keys = new Set(all.rejected.map((x) => `${x.source}/${x.key}`));
    t.is(got.rejected.batches + got.rejected.students + got.rejected.test_runs, keys.size, 'each rejection stored once');

    // Everything again, in the same order: nothing changes, nothing is reported new.
    let again = 0;
    for (const tx of written) {
      const a = await w.write(tx);
      again += a.completions + a.students + a.rejected;
    }
    t.is(again, 0);
    const twice = await read();
    t.deepEqual(twice.batches, got.batches);
    t.deepEqual(twice.students, got.students);
    t.deepEqual(await brokenInvariant(peek, min), []);
    await w.close();
  });
}

test('late records: completions before their student, students before their batch, then the batch', async (t) => {
  const db = await createTestDatabase(undefined, 'late');
  t.teardown(() => db.drop());
  const w = await PgWarehouse.open(db.url, { pipeline: 'p', minLessons: 2, sources: 'x' });
  t.teardown(() => w.close());
  const tx = (o: Partial<WriteTx>): WriteTx => ({ now: NOW, batches: [], students: [], completions: [], rejected: [], lost: [], offsets: {}, ...o });
  const m = (minutes: number) => BASE_MS + minutes * 60_000;
  t.like(await w.write(tx({ completions: [Float64Array.from([1, 10, m(5), 1, 11, m(6), 1, 10, m(7), 2, 10, m(8)])] })), { completions: 3 });
  t.like(await w.write(tx({ students: [{ id: 1, name: 'a', email: null, batch_id: 5, created_at: NOW }] })), { students: 1 });
  t.like(await w.write(tx({ completions: [Float64Array.from([2, 11, m(9), 2, 12, m(10)])] })), { completions: 2 });
  t.like(await w.write(tx({ students: [{ id: 2, name: 'b', email: null, batch_id: 5, created_at: NOW }] })), { students: 1 });
  t.like(await w.write(tx({ batches: [{ id: 5, name: 'five', start_date: null, created_at: NOW }] })), { batches: 1 });
  // A new version of the batch (newer created_at) wins; an older one, arriving later, does not come back.
  const later = '2024-01-02T00:00:00.000Z';
  t.like(await w.write(tx({ batches: [{ id: 5, name: 'five, renamed', start_date: '2024-03-01', created_at: later }] })), { batches: 1 });
  t.like(await w.write(tx({ batches: [{ id: 5, name: 'five', start_date: null, created_at: NOW }] })), { batches: 0 });
  t.like(await w.write(tx({ completions: [Float64Array.from([1, 12, m(11)])] })), { completions: 1 });
  // An earlier time for a stored pair of a stored student: nothing new, its qualified_at moves.
  t.like(await w.write(tx({ completions: [Float64Array.from([2, 12, m(1)])] })), { completions: 0 });
  const r = await PgWarehouseReader.open(db.url);
  t.teardown(() => r.close());
  const c = await r.contents();
  t.deepEqual(c.batches, [{ id: 5, name: 'five, renamed', start_date: '2024-03-01', created_at: later, student_count: 2, qualified_students: 2 }]);
  t.deepEqual(
    c.students.map((s) => [s.id, s.completed, s.qualified_at]),
    [
      [1, 3, iso(m(6))],
      [2, 3, iso(m(8))],
    ],
  );
});

test('a transaction of very many pairs (a backlog read in one go) goes by COPY, with the same answer', async (t) => {
  const db = await createTestDatabase(undefined, 'bigtx');
  t.teardown(() => db.drop());
  const w = await PgWarehouse.open(db.url, { pipeline: 'p', minLessons: 3, sources: 'x' });
  t.teardown(() => w.close());
  const rnd = rng(77);
  const students: Student[] = [];
  for (let id = 1; id <= 2_000; id++) students.push({ id, name: `s${id}`, email: null, batch_id: 1 + (id % 40), created_at: NOW });
  const first: number[] = [];
  for (let i = 0; i < 50_000; i++) first.push(1 + rnd(3_000), rnd(100), BASE_MS + rnd(1_000_000) * 1000);
  const tx = (o: Partial<WriteTx>): WriteTx => ({ now: NOW, batches: [], students: [], completions: [], rejected: [], lost: [], offsets: {}, ...o });
  await w.write(tx({ students: students.slice(0, 1_000), completions: [Float64Array.from(first)] }));
  const big: number[] = [];
  for (let i = 0; i < 300_000; i++) big.push(1 + rnd(3_000), rnd(100), BASE_MS + rnd(1_000_000) * 1000);
  const a = await w.write(tx({ completions: [Float64Array.from(big.slice(0, 450_000)), Float64Array.from(big.slice(450_000))], offsets: { test_runs: { dev: 1, ino: 1, pos: 9, head: '' } } }));
  await w.write(tx({ students: students.slice(1_000), batches: [{ id: 7, name: 'seven', start_date: null, created_at: NOW }] }));
  const expected = computeWarehouse({ batches: [{ id: 7, name: 'seven', start_date: null, created_at: NOW }], students, completions: [...first, ...big], minLessons: 3 });
  const firstOnly = computeWarehouse({ batches: [], students: [], completions: first, minLessons: 3 });
  t.is(a.completions, expected.completions.size - firstOnly.completions.size, 'the new pairs of the big transaction, reported');
  const r = await PgWarehouseReader.open(db.url);
  const got = await r.contents();
  await r.close();
  t.deepEqual(got.students, expected.students);
  t.deepEqual(got.batches, expected.batches);
  const peek = await rawClient(db.url);
  t.deepEqual(await brokenInvariant(peek, 3), []);
  await peek.end();
});
