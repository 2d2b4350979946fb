// CONTRACTS §4b, the server's bad moments while the pipeline streams into it: the server restarted
// (`pg_ctlcluster ... restart`, on a cluster of the test's own) and the writer's backend ended
// (`pg_terminate_backend`): the Aggregator reconnects with backoff, and the warehouse ends exact,
// nothing lost or counted twice. A password the server refuses: one line, exit 2, never the
// password.
import test from 'ava';
import pg from 'pg';
import { batchboard } from '../cli/helpers.ts';
import { committed, newWarehouse } from '../backends.ts';
import { ownCluster } from '../pg-cluster.ts';
import { createTestDatabase, admin } from '../../src/storage/pg/test-db.ts';
import { Pipeline, caughtUp, startSim, tempDir } from './helpers.ts';
import { waitFor } from '../wait.ts';

const LIVE = { batchesPerSec: 5, studentsPerSec: 50, testRunsPerSec: 5_000 };
const FAULTS = { 'backfill-students': 0.05, 'late-batches': 0.2, 'bad-lines': 0.005, 'duplicate-lines': 0.01 };

/** Waits for `n` more records committed than now. */
async function moreCommitted(warehouse: string, n: number): Promise<void> {
  const from = await committed(warehouse);
  await waitFor(async () => (await committed(warehouse)) >= from + n, { what: `${n} more records committed`, timeoutMs: 60_000, intervalMs: 20 });
}

test('the server restarted mid-stream, twice: the Aggregator reconnects and the warehouse is exact', async (t) => {
  const cluster = await ownCluster(t);
  const db = await createTestDatabase(cluster.adminUrl, 'restart');
  t.teardown(() => db.drop().catch(() => {}));
  const dir = tempDir(t);
  const sim = await startSim(t, dir, { seed: 51, live: LIVE, faults: FAULTS });
  const pipeline = new Pipeline(t, sim, dir, [], { warehouse: db.url });
  pipeline.start();
  for (let i = 0; i < 2; i++) {
    await moreCommitted(db.url, 5_000);
    await cluster.restart();
    t.log(`server restarted at ${await committed(db.url)} records committed`);
  }
  await moreCommitted(db.url, 5_000);
  t.true(pipeline.events('warehouse.reconnected').length >= 2, `reconnections logged:\n${pipeline.stderr.slice(-2000)}`);
  await caughtUp(t, sim, pipeline);
  t.is((await pipeline.stop('SIGTERM')).code, 0);
  t.is(pipeline.events('actor.crash').filter((e) => e['actor'] === 'Aggregator').length, 0, 'the Aggregator rode it out without a crash');
});

test("the writer's backend terminated five times mid-stream: exact afterwards", async (t) => {
  const dir = tempDir(t);
  const sim = await startSim(t, dir, { seed: 52, live: LIVE, faults: FAULTS });
  const warehouse = await newWarehouse(t, 'postgres', dir);
  const database = new URL(warehouse).pathname.slice(1);
  const pipeline = new Pipeline(t, sim, dir, [], { warehouse });
  pipeline.start();
  const c = new pg.Client({ connectionString: warehouse });
  await c.connect();
  t.teardown(() => c.end());
  let ended = 0;
  for (let i = 0; i < 5; i++) {
    await moreCommitted(warehouse, 3_000);
    const r = await c.query(
      "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'batchboard%' AND pid <> pg_backend_pid()",
      [database],
    );
    ended += r.rows.filter((x) => x.ok === true).length;
  }
  t.true(ended >= 5, `${ended} backends terminated`);
  await moreCommitted(warehouse, 3_000);
  await caughtUp(t, sim, pipeline);
  t.is((await pipeline.stop('SIGTERM')).code, 0);
});

test('a password the server refuses, an unreachable server, a missing database: one line each, exit 2, no password shown', async (t) => {
  // The cluster asks user bb_pw for a password (scram); everyone else is trusted.
  const cluster = await ownCluster(t, ['host all bb_pw 127.0.0.1/32 scram-sha-256']);
  await admin(cluster.adminUrl, "CREATE ROLE bb_pw LOGIN PASSWORD 'right-horse-battery'");
  const db = await createTestDatabase(cluster.adminUrl, 'auth');
  t.teardown(() => db.drop().catch(() => {}));
  const dir = tempDir(t);
  const sim = await startSim(t, dir, { seed: 53, live: false });
  const sources = ['--api', sim.apiUrl, '--students', sim.studentsPath, '--log', sim.logPath];
  const secret = 'wrong-s3cret-Pa55';
  const cases: [string, string, RegExp][] = [
    ['refused password', `postgres://bb_pw:${secret}@127.0.0.1:${cluster.port}/${db.name}`, /password|authentication/i],
    ['unreachable', `postgres://bb_pw:${secret}@127.0.0.1:1/${db.name}`, /reach|refused|ECONNREFUSED/i],
    ['missing database', `postgres://postgres:${secret}@127.0.0.1:${cluster.port}/no_such_db_here`, /no_such_db_here/],
  ];
  for (const [what, url, why] of cases) {
    for (const command of ['start', 'rebuild', 'verify']) {
      const r = await batchboard([command, ...sources, '--warehouse', url]);
      t.is(r.code, 2, `${command}, ${what}: ${r.stderr}`);
      t.is(r.stderr.trim().split('\n').length, 1, `${command}, ${what}: one line: ${r.stderr}`);
      t.regex(r.stderr, why, `${command}, ${what}`);
      t.false((r.stdout + r.stderr).includes(secret), `${command}, ${what}: the password is not shown`);
    }
  }
  // Nothing was written: the database the refused user named holds no table.
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  t.teardown(() => c.end());
  t.is((await c.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'")).rows[0].n, 0);
});
