// CONTRACTS §4b: two pipelines share one PostgreSQL warehouse, each tailing its own log (two
// machines' logs, log-splitter.ts) from the same simulated API and students table, each killed
// -9 several times while both run. The warehouse ends equal to the ledger and to `rebuild` over
// both logs (`verify --log A --log B` says so); a completion both logs hold counts once; a third
// pipeline on the sources of a running one is refused.
import path from 'node:path';
import test from 'ava';
import { batchboard } from '../cli/helpers.ts';
import { committed, newWarehouse, readContractTables } from '../backends.ts';
import { Pipeline, expectedRows, startSim, tempDir, waitForExact } from './helpers.ts';
import { LogSplitter } from './log-splitter.ts';
import { waitFor } from '../wait.ts';
import { rawClient } from '../../src/storage/pg/test-db.ts';

test('two pipelines, one PostgreSQL warehouse, each killed -9 three times: equal to the ledger and to rebuild over both logs', async (t) => {
  const dir = tempDir(t);
  const sim = await startSim(t, dir, {
    seed: 41,
    history: { batches: 40, students: 2_000, testRuns: 100_000 },
    live: { batchesPerSec: 5, studentsPerSec: 50, testRunsPerSec: 4_000 },
    faults: { 'duplicate-lines': 0.01, 'bad-lines': 0.005, 'backfill-students': 0.05, 'late-batches': 0.2, 'early-test-runs': 0.02 },
  });
  const split = new LogSplitter(sim, path.join(dir, 'machine-a.log'), path.join(dir, 'machine-b.log'));
  t.teardown(() => split.close());
  split.run();
  const warehouse = await newWarehouse(t, 'postgres', dir);
  const a = new Pipeline(t, sim, dir, [], { warehouse, log: split.a });
  const b = new Pipeline(t, sim, dir, [], { warehouse, log: split.b });
  a.start();
  b.start();

  // Kills at moments spread over the history load and the live stream, alternating A and B,
  // each followed by a restart while the other keeps writing.
  let killed = 0;
  for (const step of [2_000, 20_000, 5_000, 50_000, 1_000, 10_000]) {
    const p = killed % 2 === 0 ? a : b;
    const from = await committed(warehouse);
    await waitFor(async () => (await committed(warehouse)) >= from + step, { what: `${step} more records committed`, timeoutMs: 60_000, intervalMs: 20 });
    await p.kill9();
    killed++;
    t.log(`killed pipeline ${p === a ? 'A' : 'B'} at ${await committed(warehouse)} records committed`);
    p.start();
  }
  t.is(killed, 6);

  // A third pipeline on A's sources under another name is refused while A runs, and writes nothing.
  const third = await batchboard(['start', '--api', sim.apiUrl, '--students', sim.studentsPath, '--log', split.a, '--warehouse', warehouse, '--name', 'again']);
  t.is(third.code, 2, third.stderr);
  t.regex(third.stderr, /already/);
  t.is(third.stderr.trim().split('\n').length, 1, 'one line');
  const c = await rawClient(warehouse);
  try {
    const r = await c.query("SELECT (SELECT count(*) FROM pipelines WHERE name = 'again') + (SELECT count(*) FROM offsets WHERE pipeline = 'again') AS n");
    t.is(Number(r.rows[0].n), 0, 'the refused pipeline left no row and no offsets');
  } finally {
    await c.end();
  }

  await sim.pause();
  await split.drain();
  t.true(split.both > 1_000, `${split.both} lines are in both logs`);
  const expected = expectedRows(sim);
  await waitForExact(t, a, expected, 90_000);

  for (const p of [a, b]) t.is((await p.stop('SIGTERM')).code, 0);
  await waitForExact(t, a, expected);

  const flags = ['--api', sim.apiUrl, '--students', sim.studentsPath, '--log', split.a, '--log', split.b];
  const verified = await batchboard(['verify', ...flags, '--warehouse', warehouse]);
  t.is(verified.code, 0, verified.stdout + verified.stderr);

  // rebuild over both logs into a fresh warehouse: the same rows.
  const fresh = await newWarehouse(t, 'postgres', dir);
  const rebuilt = await batchboard(['rebuild', ...flags, '--warehouse', fresh]);
  t.is(rebuilt.code, 0, rebuilt.stderr);
  t.deepEqual(await readContractTables(fresh), await readContractTables(warehouse));
});
