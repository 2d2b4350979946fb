// The PostgreSQL writer when the connection goes or a transaction fails (CONTRACTS §4, §4b):
// its backend terminated (pg_terminate_backend) again and again in the middle of a stream of
// writes; the answer to COMMIT lost after the commit took place, and the connection lost just
// before COMMIT (a proxy between writer and server cuts it there); the server unreachable for a
// while; deadlocks and serialization failures (raised by a trigger) retried, and given up on after
// the bound. Each time nothing is lost and nothing counted twice: the warehouse ends equal to
// computeWarehouse over every transaction written.
import net from 'node:net';
import test from 'ava';
import { computeWarehouse } from '../../src/domain/aggregate.ts';
import type { Batch, Student } from '../../src/domain/records.ts';
import type { WriteTx } from '../../src/storage/writer.ts';
import { WarehouseError } from '../../src/storage/errors.ts';
import { PgWarehouse } from '../../src/storage/pg/writer.ts';
import { PgWarehouseReader } from '../../src/storage/pg/reader.ts';
import { brokenInvariant, createTestDatabase, rawClient, TEST_SERVER } from '../../src/storage/pg/test-db.ts';
import { Rng } from '../../src/simulator/rng.ts';
import { INITIAL_OFFSETS } from '../../src/domain/offsets.ts';
import { BASE_MS } from '../triples.ts';
import { brokenQualifiedAt } from './pg-qualified-at.ts';

const MIN = 3;

function rng(seed: number): (n: number) => number {
  const r = new Rng(seed, 'pg');
  return (n) => r.int(n);
}

/** A stream of transactions: mostly completions, now and then students and batches. */
function stream(seed: number, n: number): WriteTx[] {
  const rnd = rng(seed);
  const out: WriteTx[] = [];
  for (let i = 0; i < n; i++) {
    const now = new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString();
    const tx: WriteTx = { now, batches: [], students: [], completions: [], rejected: [], lost: [], offsets: { test_runs: { dev: 1, ino: 1, pos: i, head: '' } } };
    if (i % 7 === 0) {
      for (let k = 0; k < 5; k++) {
        const id = 1 + rnd(120);
        tx.students.push({ id, name: `s${id}`, email: null, batch_id: 1 + (id % 6), created_at: now });
      }
    }
    if (i % 11 === 0) tx.batches.push({ id: 1 + rnd(6), name: `b${i}`, start_date: null, created_at: now });
    const triples: number[] = [];
    for (let k = 0; k < 30 + rnd(60); k++) triples.push(1 + rnd(130), rnd(12), BASE_MS + rnd(5_000) * 1000);
    tx.completions.push(Float64Array.from(triples));
    if (i % 13 === 0) tx.rejected.push({ source: 'test_runs', reason: 'bad', raw: `line ${i}`, key: `k${i}` });
    out.push(tx);
  }
  return out;
}

/** What the warehouse must hold after `txs`, and what it holds. */
async function compare(t: import('ava').ExecutionContext, url: string, txs: WriteTx[]): Promise<void> {
  const batches: Batch[] = [];
  const students: Student[] = [];
  const pairs: number[] = [];
  for (const tx of txs) {
    batches.push(...tx.batches);
    students.push(...tx.students);
    for (const c of tx.completions) pairs.push(...c);
  }
  const expected = computeWarehouse({ batches, students, completions: pairs, minLessons: MIN });
  const r = await PgWarehouseReader.open(url);
  const got = await r.contents();
  await r.close();
  t.deepEqual(got.batches, expected.batches);
  t.deepEqual(got.students, expected.students);
  t.is(got.rejected.test_runs, txs.filter((x) => x.rejected.length > 0).length);
  const c = await rawClient(url);
  t.is(Number((await c.query('SELECT count(*) AS n FROM completions')).rows[0].n), expected.completions.size);
  t.deepEqual(await brokenInvariant(c, MIN), []);
  t.deepEqual(await brokenQualifiedAt(c, MIN), []);
  await c.end();
}

test('the backend terminated again and again during a stream of writes: nothing lost, nothing counted twice', async (t) => {
  const db = await createTestDatabase(undefined, 'terminate');
  t.teardown(() => db.drop());
  const events: string[] = [];
  const w = await PgWarehouse.open(db.url, { pipeline: 'victim', minLessons: MIN, sources: 'x', onEvent: (e) => events.push(e) });
  const txs = stream(5, 150);
  const killer = await rawClient(TEST_SERVER);
  t.teardown(() => killer.end());
  let done = false;
  let kills = 0;
  const killing = (async () => {
    while (!done) {
      const r = await killer.query("SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = $1 AND application_name = 'batchboard victim'", [db.name]);
      kills += r.rows.filter((x) => x.ok === true).length;
      await new Promise((res) => setTimeout(res, 40 + Math.random() * 80));
    }
  })();
  let reported = 0;
  for (const tx of txs) reported += (await w.write(tx)).completions;
  done = true;
  await killing;
  t.true(kills >= 5, `${kills} terminations`);
  t.true(events.includes('warehouse.reconnected'));
  await compare(t, db.url, txs);
  const c = await rawClient(db.url);
  // What write() reported new, summed, is what is stored: each commit's answer was right, also those that had to be asked for again.
  t.is(reported, Number((await c.query('SELECT count(*) AS n FROM completions')).rows[0].n));
  await c.end();
  t.deepEqual(await w.offset('test_runs'), { dev: 1, ino: 1, pos: 149, head: '' });
  await w.close();
});

/** A database of its own and a proxy to the server: `via` is the database's URL through the proxy. */
async function throughProxy(t: import('ava').ExecutionContext, name: string) {
  const db = await createTestDatabase(undefined, name);
  t.teardown(() => db.drop());
  const p = await proxy(new URL(TEST_SERVER));
  t.teardown(() => p.close());
  const via = new URL(db.url);
  via.port = String(p.port);
  return { db, p, via };
}

/**
 * A TCP proxy to the server that can cut the connection at a COMMIT: 'before' (the COMMIT never
 * reaches the server) or 'after' (the server commits, its answer never reaches the client), and
 * can refuse connections for a while (the server down).
 */
async function proxy(target: URL): Promise<{ port: number; cut: (at: 'before' | 'after') => void; down: (ms: number) => void; cuts: () => number; close: () => Promise<void> }> {
  let armed: 'before' | 'after' | null = null;
  let downUntil = 0;
  let cuts = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (Date.now() < downUntil) return void client.destroy();
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    sockets.add(client);
    sockets.add(upstream);
    const kill = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', kill);
    upstream.on('error', kill);
    client.on('close', kill);
    upstream.on('close', kill);
    let startup = true;
    let pending = Buffer.alloc(0);
    let dropAnswers = false;
    client.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      // Whole messages only: the startup message (length first), then typed ones (type, length).
      for (;;) {
        const head = startup ? 0 : 1;
        if (pending.length < head + 4) break;
        const len = pending.readInt32BE(head);
        if (pending.length < head + len) break;
        const msg = pending.subarray(0, head + len);
        pending = pending.subarray(head + len);
        startup = false;
        const isCommit = msg[0] === 0x51 && msg.subarray(5, msg.length - 1).toString() === 'COMMIT';
        if (isCommit && armed !== null) {
          const at = armed;
          armed = null;
          cuts++;
          if (at === 'before') return kill();
          upstream.write(msg);
          dropAnswers = true;
          continue;
        }
        upstream.write(msg);
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      if (dropAnswers) return kill(); // the server answered COMMIT: the client never hears it
      client.write(chunk);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut: (at) => (armed = at),
    down: (ms) => {
      downUntil = Date.now() + ms;
      for (const s of sockets) s.destroy();
    },
    cuts: () => cuts,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

test('the connection cut at COMMIT, before it reached the server and after it committed; the server away for a while', async (t) => {
  const { db, p, via } = await throughProxy(t, 'commitcut');
  const events: string[] = [];
  const w = await PgWarehouse.open(via.href, { pipeline: 'p', minLessons: MIN, sources: 'x', reconnectMs: 20_000, onEvent: (e, f) => events.push(`${e} ${JSON.stringify(f)}`) });
  const txs = stream(9, 120);
  let reported = 0;
  for (const [i, tx] of txs.entries()) {
    if (i % 10 === 3) p.cut('after');
    if (i % 10 === 6) p.cut('before');
    if (i === 50) p.down(1_500);
    reported += (await w.write(tx)).completions;
  }
  t.true(p.cuts() >= 20, `${p.cuts()} cuts`);
  t.true(events.some((e) => e.includes('"during":"commit"')), 'answers to COMMIT were lost');
  await compare(t, db.url, txs);
  const c = await rawClient(db.url);
  t.is(reported, Number((await c.query('SELECT count(*) AS n FROM completions')).rows[0].n), 'a commit whose answer was lost is reported as it was, not run again');
  await c.end();
  await w.close();
});

test('deadlocks and serialization failures are retried (the whole transaction); past the bound, a WarehouseError', async (t) => {
  const db = await createTestDatabase(undefined, 'retry');
  t.teardown(() => db.drop());
  const events: string[] = [];
  const w = await PgWarehouse.open(db.url, { pipeline: 'p', minLessons: MIN, sources: 'x', maxRetries: 5, onEvent: (e, f) => events.push(`${e} ${String(f['code'])}`) });
  const c = await rawClient(db.url);
  t.teardown(() => c.end());
  // A trigger on the last statement of each transaction (its pipeline row, updated once a run) fails
  // two runs in three: a deadlock, then a serialization failure. The sequence is not rolled back.
  await c.query(`
    CREATE SEQUENCE public.bb_fail;
    CREATE TABLE public.bb_fail_always (pipeline text);
    CREATE FUNCTION public.bb_fail() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE n bigint := nextval('public.bb_fail');
    BEGIN
      IF EXISTS (SELECT 1 FROM public.bb_fail_always f WHERE f.pipeline = NEW.name) OR n % 3 = 1 THEN
        RAISE EXCEPTION 'injected deadlock' USING ERRCODE = '40P01';
      END IF;
      IF n % 3 = 2 THEN RAISE EXCEPTION 'injected serialization failure' USING ERRCODE = '40001'; END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER bb_fail BEFORE UPDATE OF last_tx ON pipelines FOR EACH ROW EXECUTE FUNCTION public.bb_fail();`);
  const txs = stream(3, 30);
  for (const tx of txs) await w.write(tx);
  t.true(events.filter((e) => e === 'warehouse.retry 40P01').length >= 25);
  t.true(events.filter((e) => e === 'warehouse.retry 40001').length >= 25);
  await compare(t, db.url, txs);
  // Failing every time: given up after the bound, nothing of it applied.
  const w2 = await PgWarehouse.open(db.url, { pipeline: 'q', minLessons: MIN, sources: 'y', maxRetries: 3 });
  await c.query("INSERT INTO public.bb_fail_always VALUES ('q')");
  const before = Number((await c.query('SELECT count(*) AS n FROM completions')).rows[0].n);
  const err = await t.throwsAsync(w2.write({ ...stream(99, 1)[0]!, completions: [Float64Array.from([500, 1, BASE_MS])] }), { instanceOf: WarehouseError });
  t.regex(err!.message, /cannot write warehouse postgres:\/\/\S+: injected deadlock \(40P01\)/);
  t.is(Number((await c.query('SELECT count(*) AS n FROM completions')).rows[0].n), before);
  await w2.close();
  await w.close();
});

test('the connection lost while idle and the server away for good: the next write gives up after reconnectMs with a WarehouseError', async (t) => {
  const { db, p, via } = await throughProxy(t, 'idlelost');
  const events: string[] = [];
  const w = await PgWarehouse.open(via.href, { pipeline: 'p', minLessons: MIN, sources: 'x', reconnectMs: 1_500, onEvent: (e) => events.push(e) });
  const txs = stream(4, 3);
  await w.write(txs[0]!);
  p.down(600_000);
  // The driver notices the end of the idle connection; the next write must not wait for ever.
  const started = Date.now();
  const err = await t.throwsAsync(w.write(txs[1]!), { instanceOf: WarehouseError });
  t.regex(err!.message, /could not connect again in 2 s/);
  t.true(Date.now() - started < 15_000, `gave up after ${Date.now() - started} ms`);
  t.true(events.includes('warehouse.connection_lost'));
  await w.close();
});

test('a rebuild while a pipeline is away (reconnecting): the pipeline stops on its return instead of going on from offsets the rebuild removed', async (t) => {
  const { db, p, via } = await throughProxy(t, 'rebuiltaway');
  const away = await PgWarehouse.open(via.href, { pipeline: 'away', minLessons: MIN, sources: 'x', reconnectMs: 30_000 });
  const txs = stream(6, 4);
  await away.write(txs[0]!);
  // Its connection goes (its session lock with it) for 1.5 s; meanwhile another pipeline rebuilds.
  p.down(1_500);
  const admin = await rawClient(db.url);
  t.teardown(() => admin.end());
  const deadline = Date.now() + 10_000;
  while (Number((await admin.query("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'batchboard away'")).rows[0].n) > 0) {
    if (Date.now() > deadline) t.fail('the server kept the lost connection');
    await new Promise((r) => setTimeout(r, 20));
  }
  const rebuilder = await PgWarehouse.open(db.url, { pipeline: 'other', minLessons: MIN, sources: 'y', replaceSources: true });
  const empty = computeWarehouse({ batches: [], students: [], completions: [], minLessons: MIN });
  await rebuilder.replaceAll(empty, INITIAL_OFFSETS, []);
  await rebuilder.close();
  const err = await t.throwsAsync(away.write(txs[1]!), { instanceOf: WarehouseError });
  t.regex(err!.message, /was rebuilt while pipeline away was reconnecting/);
  t.is(Number((await admin.query("SELECT count(*) AS n FROM offsets WHERE pipeline = 'away'")).rows[0].n), 0, 'nothing written from the stale offsets');
  await away.close();
});
