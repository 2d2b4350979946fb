// Two pipelines writing one PostgreSQL warehouse at once (CONTRACTS §4b): overlapping completions,
// the same students and batches (both read the same API and students table, at different points),
// each pipeline its own log. While they write, a reader at READ COMMITTED checks the §4 invariant
// (and qualified_at) in every statement it runs. At the end the warehouse equals computeWarehouse over the union of
// what both wrote, each pair counted once, and neither writer met a deadlock (no retry was needed).
import test from 'ava';
import { computeWarehouse } from '../../src/domain/aggregate.ts';
import type { Batch, Student } from '../../src/domain/records.ts';
import type { WriteTx } from '../../src/storage/writer.ts';
import { PgWarehouse } from '../../src/storage/pg/writer.ts';
import { PgWarehouseReader } from '../../src/storage/pg/reader.ts';
import { brokenInvariant, createTestDatabase, rawClient } from '../../src/storage/pg/test-db.ts';
import { Rng } from '../../src/simulator/rng.ts';
import { BASE_MS } from '../triples.ts';
import { brokenQualifiedAt } from './pg-qualified-at.ts';

function rng(seed: number): (n: number) => number {
  const r = new Rng(seed, 'pg');
  return (n) => r.int(n);
}

const STUDENTS = 300;
const BATCHES = 12;
const iso = (ms: number) => new Date(Date.UTC(2024, 0, 1) + ms).toISOString();

/** The sources both pipelines read: every student row, and batch versions in the API's order (created_at ascending). */
function world(seed: number) {
  const rnd = rng(seed);
  const students: Student[] = [];
  for (let id = 1; id <= STUDENTS; id++) students.push({ id, name: `s${id}`, email: null, batch_id: 1 + rnd(BATCHES), created_at: iso(id) });
  const versions: Batch[] = [];
  for (let v = 0; v < 40; v++) {
    const id = 1 + rnd(BATCHES);
    versions.push({ id, name: `batch ${id} v${v}`, start_date: null, created_at: iso(1000 * v) });
  }
  return { students, versions };
}

/** One pipeline's transactions: students and batch versions in source order (at its own pace), its log's completions, many shared with the other log. */
function pipelineTxs(seed: number, w: ReturnType<typeof world>, pairsSeed: number): WriteTx[] {
  const rnd = rng(seed);
  const shared = rng(pairsSeed);
  const txs: WriteTx[] = [];
  let nextStudent = 0;
  let nextVersion = 0;
  for (let i = 0; i < 120; i++) {
    const tx: WriteTx = { now: iso(5000 + i), batches: [], students: [], completions: [], rejected: [], lost: [], offsets: {} };
    if (rnd(5) === 0 && nextStudent < STUDENTS) {
      const n = 1 + rnd(20);
      tx.students.push(...w.students.slice(nextStudent, nextStudent + n));
      nextStudent += n;
      tx.offsets.students = { hwm: nextStudent };
    }
    if (rnd(8) === 0 && nextVersion < w.versions.length) {
      const n = 1 + rnd(4);
      tx.batches.push(...w.versions.slice(nextVersion, nextVersion + n));
      nextVersion += n;
    }
    const triples: number[] = [];
    for (let j = 0; j < 20 + rnd(200); j++) {
      // Half from a stream both logs share (the same runs seen by both pipelines), half its own;
      // times in any order, so that either pipeline may bring a pair's earlier time.
      const r = rnd(2) === 0 ? shared : rnd;
      triples.push(1 + r(STUDENTS + 20), r(8), BASE_MS + r(100_000) * 1000);
    }
    tx.completions.push(Float64Array.from(triples));
    if (rnd(10) === 0) tx.rejected.push({ source: 'test_runs', reason: 'bad', raw: 'x', key: `k${rnd(30)}` });
    tx.offsets.test_runs = { dev: seed, ino: 1, pos: i, head: '' };
    txs.push(tx);
  }
  // The rest of the sources, as a pipeline that caught up would have them.
  txs.push({ now: iso(9000), batches: w.versions.slice(nextVersion), students: w.students.slice(nextStudent), completions: [], rejected: [], lost: [], offsets: {} });
  return txs;
}

for (const seed of [11, 12]) {
  test(`seed ${seed}: two pipelines at once: consistent in every snapshot, equal to the batch answer over the union, no deadlock`, async (t) => {
    const db = await createTestDatabase(undefined, 'two');
    t.teardown(() => db.drop());
    const min = 3;
    const events: string[] = [];
    const onEvent = (e: string, f: Record<string, unknown>) => events.push(`${e} ${JSON.stringify(f)}`);
    const w1 = await PgWarehouse.open(db.url, { pipeline: 'machine-a', minLessons: min, sources: 'a', onEvent });
    const w2 = await PgWarehouse.open(db.url, { pipeline: 'machine-b', minLessons: min, sources: 'b', onEvent });
    const src = world(seed);
    const tx1 = pipelineTxs(seed * 31, src, seed);
    const tx2 = pipelineTxs(seed * 37, src, seed);

    const peek = await rawClient(db.url);
    t.teardown(() => peek.end());
    let done = false;
    let snapshots = 0;
    const broken: string[] = [];
    const reader = (async () => {
      while (!done) {
        const b = await brokenInvariant(peek, min);
        const q = await brokenQualifiedAt(peek, min);
        snapshots++;
        if (b.length > 0) broken.push(b.join(','));
        if (q.length > 0) broken.push(`qualified_at of ${q.join(',')}`);
      }
    })();
    await Promise.all(
      [
        [w1, tx1],
        [w2, tx2],
      ].map(async ([w, txs]) => {
        for (const tx of txs as WriteTx[]) await (w as PgWarehouse).write(tx);
      }),
    );
    done = true;
    await reader;
    t.deepEqual(broken, [], `the invariant held in all ${snapshots} snapshots`);
    t.true(snapshots > 10);
    t.deepEqual(events.filter((e) => e.startsWith('warehouse.retry')), [], 'no deadlock, no retry');

    const pairs: number[] = [];
    for (const tx of [...tx1, ...tx2]) for (const c of tx.completions) pairs.push(...c);
    // The API serves versions by created_at: the newest version of each batch wins.
    const expected = computeWarehouse({ batches: src.versions, students: src.students, completions: pairs, minLessons: min });
    const r = await PgWarehouseReader.open(db.url);
    const got = await r.contents();
    await r.close();
    t.deepEqual(got.batches, expected.batches);
    t.deepEqual(got.students, expected.students);
    t.is(Number((await peek.query('SELECT count(*) AS n FROM completions')).rows[0].n), expected.completions.size);
    t.deepEqual(await brokenQualifiedAt(peek, min), []);
    t.is(got.rejected.test_runs, new Set([...tx1, ...tx2].flatMap((x) => x.rejected.map((j) => j.key))).size);
    // Each pipeline's offsets are its own.
    t.deepEqual(await w1.offset('test_runs'), { dev: seed * 31, ino: 1, pos: 119, head: '' });
    t.deepEqual(await w2.offset('test_runs'), { dev: seed * 37, ino: 1, pos: 119, head: '' });
    await w1.close();
    await w2.close();
  });
}
