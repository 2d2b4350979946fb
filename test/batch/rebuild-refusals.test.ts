// `batchboard rebuild` refuses, in one line naming what is wrong and with exit 2: beside a running
// supervisor of the same warehouse, on a source it cannot read, on a foreign file, on bad flags.
// It never prints the API token.
import test from 'ava';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { batchboard, collect, waitFor } from '../cli/helpers.ts';
import { startSim, tempDir } from '../simulator/helpers.ts';
import { sourceFlags, warehousePath } from './helpers.ts';

const SUPERVISOR = fileURLToPath(new URL('../fixtures/run-supervisor.ts', import.meta.url));
const oneLine = (s: string) => s.trimEnd().split('\n').length === 1;

test('refuses while a supervisor runs on that warehouse, and leaves it alone', async (t) => {
  const sim = await startSim(t);
  const warehouse = warehousePath(t);
  const child = spawn(process.execPath, ['--import=tsx', SUPERVISOR, `${warehouse}.sock`], { stdio: ['ignore', 'pipe', 'pipe'] });
  const ran = collect(child);
  t.teardown(() => child.kill('SIGKILL'));
  await waitFor(async () => (await batchboard(['status', '--warehouse', warehouse])).code === 0, 'the supervisor answering');

  const r = await batchboard(['rebuild', ...sourceFlags(sim), '--warehouse', warehouse]);
  t.is(r.code, 2);
  t.true(oneLine(r.stderr), r.stderr);
  t.regex(r.stderr, /rebuild: a batchboard supervisor is already running on warehouse .*warehouse\.db .*stop it first/);
  t.false(existsSync(warehouse), 'nothing written');

  // A supervisor killed with -9 leaves its socket file behind: nothing answers there, so a
  // rebuild goes ahead.
  child.kill('SIGKILL');
  await ran;
  t.true(existsSync(`${warehouse}.sock`), 'the stale socket is there');
  const after = await batchboard(['rebuild', ...sourceFlags(sim), '--warehouse', warehouse]);
  t.is(after.code, 0, after.stderr);
});

test('a missing students database or log is one line naming it, exit 2', async (t) => {
  const sim = await startSim(t);
  const dir = tempDir(t);
  const warehouse = join(dir, 'warehouse.db');
  const noStudents = await batchboard(['rebuild', '--api', sim.apiUrl, '--students', join(dir, 'nope.db'), '--log', sim.logPath, '--warehouse', warehouse]);
  t.is(noStudents.code, 2);
  t.true(oneLine(noStudents.stderr));
  t.regex(noStudents.stderr, /rebuild: students database .*nope\.db does not exist/);

  const noLog = await batchboard(['rebuild', '--api', sim.apiUrl, '--students', sim.studentsPath, '--log', join(dir, 'nope.log'), '--warehouse', warehouse]);
  t.is(noLog.code, 2);
  t.true(oneLine(noLog.stderr));
  t.regex(noLog.stderr, /rebuild: log .*nope\.log does not exist/);
  t.false(existsSync(warehouse), 'no warehouse created');
});

test('an API that refuses the token is one line naming the API, exit 2, and the token is never printed', async (t) => {
  const sim = await startSim(t, { token: 'the-right-one' });
  const warehouse = warehousePath(t);
  const secret = 's3cr3t-token-value';
  const r = await batchboard(['rebuild', ...sourceFlags(sim), '--warehouse', warehouse, '--api-token', secret]);
  t.is(r.code, 2);
  t.true(oneLine(r.stderr), r.stderr);
  t.regex(r.stderr, /rebuild: .*127\.0\.0\.1.*refused the API token/);
  t.false((r.stdout + r.stderr).includes(secret));

  const env = { ...process.env, BATCHBOARD_API_TOKEN: 'the-right-one' };
  const ok = await batchboard(['rebuild', ...sourceFlags(sim), '--warehouse', warehouse], env);
  t.is(ok.code, 0, ok.stderr);
  t.false((ok.stdout + ok.stderr).includes('the-right-one'));
});

test('an unreachable API is one line naming it, exit 2', async (t) => {
  const sim = await startSim(t);
  const warehouse = warehousePath(t);
  // A port nothing listens on: the simulator's own, once it is closed.
  const api = sim.apiUrl;
  await sim.close();
  const r = await batchboard(['rebuild', '--api', api, '--students', sim.studentsPath, '--log', sim.logPath, '--warehouse', warehouse]);
  t.is(r.code, 2);
  t.true(oneLine(r.stderr), r.stderr);
  t.regex(r.stderr, new RegExp(`rebuild: ${api.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/batches\\S* still failing after \\d+ retries: .*ECONNREFUSED`));
});

test('a file that is not a batchboard warehouse is refused, not overwritten', async (t) => {
  const sim = await startSim(t);
  const warehouse = warehousePath(t);
  const db = new Database(warehouse);
  db.exec('CREATE TABLE precious (x)');
  db.close();
  const r = await batchboard(['rebuild', ...sourceFlags(sim), '--warehouse', warehouse]);
  t.is(r.code, 2);
  t.true(oneLine(r.stderr), r.stderr);
  t.regex(r.stderr, /warehouse\.db is an SQLite database but not a batchboard warehouse|warehouse\.db is not a batchboard warehouse/);
  const check = new Database(warehouse, { readonly: true });
  t.deepEqual(check.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all(), ['precious']);
  check.close();
});

test('bad flags are one line naming the flag, exit 2', async (t) => {
  const cases: [string[], RegExp][] = [
    [['--students', 's.db', '--log', 'l.log', '--warehouse', 'w.db'], /rebuild: --api is required/],
    [['--api', 'http://127.0.0.1:1', '--log', 'l.log', '--warehouse', 'w.db'], /rebuild: --students is required/],
    [['--api', 'not a url', '--students', 's.db', '--log', 'l.log', '--warehouse', 'w.db'], /rebuild: --api 'not a url' is not a URL/],
    [['--api', 'http://127.0.0.1:1', '--students', 's.db', '--log', 'l.log', '--warehouse', 'w.db', '--min-lessons', '0'], /rebuild: --min-lessons must be between 1 and/],
    [['--api', 'http://127.0.0.1:1', '--students', 's.db', '--log', 'l.log', '--warehouse', 'w.db', '--since', 'yesterday'], /rebuild: --since must be a date YYYY-MM-DD/],
    [['--api', 'http://127.0.0.1:1', '--bogus'], /rebuild: Unknown option '--bogus'/],
  ];
  for (const [args, re] of cases) {
    const r = await batchboard(['rebuild', ...args]);
    t.is(r.code, 2, args.join(' '));
    t.true(oneLine(r.stderr), r.stderr);
    t.regex(r.stderr, re);
  }
});
