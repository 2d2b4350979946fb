// `batchboard simulate --dir DIR` prints where each source is and the start command, runs until
// SIGINT, exits 0; bad flags give one line and exit 2.
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { getPage, tempDir, waitFor } from './helpers.ts';

const BIN = join(import.meta.dirname, '../../bin/batchboard.mjs');

test('simulate prints the sources and the start command, serves them, and exits 0 on SIGINT', async (t) => {
  const dir = tempDir(t);
  const child = spawn(process.execPath, [BIN, 'simulate', '--dir', dir, '--batches', '30', '--students', '300', '--test-runs', '3000', '--seed', '7'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => child.kill('SIGKILL'));
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  await waitFor('the start command', () => out.includes('Running until'), 30_000);
  const api = /batches API {2}(http:\/\/127\.0\.0\.1:\d+)\/batches/.exec(out)?.[1];
  t.truthy(api, out);
  t.regex(out, new RegExp(`students {5}${join(dir, 'students.db')}\\n`));
  t.regex(out, new RegExp(`test runs {4}${join(dir, 'test_runs.log')}\\n`));
  t.true(out.includes(`batchboard start --api ${api} --students ${join(dir, 'students.db')} --log ${join(dir, 'test_runs.log')} --warehouse ${join(dir, 'warehouse.db')}\n`), out);
  t.is((await getPage(`${api}/batches`)).batches.length, 30);

  child.kill('SIGINT');
  t.is(await exited, 0, err);
  t.regex(out, /SIGINT: stopped/);
  t.is(err, '');
});

test('simulate exits 0 on SIGTERM, and never prints the token', async (t) => {
  const dir = tempDir(t);
  const token = 'tok-3f9a7c1e55';
  const child = spawn(process.execPath, [BIN, 'simulate', '--dir', dir, '--batches', '5', '--students', '5', '--test-runs', '5', '--token', token, '--fault', 'all'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => child.kill('SIGKILL'));
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await waitFor('the start command', () => out.includes('Running until'), 30_000);
  const api = /batches API {2}(http:\/\/127\.0\.0\.1:\d+)\/batches/.exec(out)![1]!;
  t.is((await fetch(`${api}/batches`)).status, 401);
  child.kill('SIGTERM');
  t.is(await exited, 0, out);
  t.regex(out, /SIGTERM: stopped/);
  t.false(out.includes(token), out);
});

const run = (...args: string[]) => spawnSync(process.execPath, [BIN, 'simulate', ...args], { encoding: 'utf8', timeout: 60_000 });

test('bad flags give a one-line error and exit 2', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'f'), '');
  const cases: [string[], string][] = [
    [[], 'batchboard: simulate: --dir is required\n'],
    [['--dir', dir, '--batches', '100001'], 'batchboard: simulate: --batches must be between 0 and 100000, got 100001\n'],
    [['--dir', dir, '--test-runs', '20000001'], 'batchboard: simulate: --test-runs must be between 0 and 20000000, got 20000001\n'],
    [['--dir', dir, '--fault', 'nope'], `batchboard: simulate: --fault: unknown fault 'nope'; faults: ties, late-batches, duplicate-batches, invalid-batches, http-429, http-5xx, slow, not-json, wrong-shape, resets, backfill-students, invalid-students, early-students, early-test-runs, duplicate-lines, bad-lines, split-lines, line-variants, rotate, truncate, all\n`],
    [['--dir', dir, '--fault', 'ties=2'], 'batchboard: simulate: --fault: faults.ties (probability per batch) must be between 0 and 1, got 2\n'],
    [['--dir', dir, '--port', 'x'], "batchboard: simulate: --port must be an integer, got 'x'\n"],
    // Node's recursive mkdir spins forever here (procfs answers ENOENT); files.ts must not.
    ...(process.platform === 'linux' ? [[['--dir', '/proc/batchboard-nope'], 'batchboard: simulate: cannot create /proc/batchboard-nope: ENOENT\n'] as [string[], string]] : []),
    [['--dir', join(dir, 'f', 'sub')], `batchboard: simulate: cannot create ${join(dir, 'f', 'sub')}: ENOTDIR\n`],
    [['--dir', dir, '--token', 'a b'], 'batchboard: simulate: the API token must not contain white space\n'],
    [['--dir', dir, '--epoch', 'tomorrow'], `batchboard: simulate: epoch must be 'now', ms since 1970 or YYYY-MM-DDTHH:MM:SS.sssZ, got "tomorrow"\n`],
  ];
  for (const [args, stderr] of cases) {
    const r = run(...args);
    t.is(r.status, 2, args.join(' '));
    t.is(r.stderr, stderr);
  }
});

test('existing source files are an error without --reset', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'test_runs.log'), 'old\n');
  const r = run('--dir', dir, '--batches', '1', '--students', '1', '--test-runs', '1');
  t.is(r.status, 2);
  t.is(r.stderr, `batchboard: simulate: ${join(dir, 'test_runs.log')} already exists; remove it or pass --reset (reset: true) to start over\n`);
});
