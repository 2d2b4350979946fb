// Bad commands and flags: one line naming what was wrong, exit 2, no stack trace.
import test from 'ava';
import { batchboard } from './helpers.ts';

const oneLine = (s: string) => s.trimEnd().split('\n').length === 1;

test('--help lists every command of the contract and exits 0', async (t) => {
  const r = await batchboard(['--help']);
  t.is(r.code, 0);
  for (const c of ['start', 'simulate', 'rebuild', 'verify', 'top', 'status', 'restart']) {
    t.regex(r.stdout, new RegExp(`^  ${c} `, 'm'));
  }
});

test('no command prints the usage and exits 2', async (t) => {
  const r = await batchboard([]);
  t.is(r.code, 2);
  t.regex(r.stderr, /usage: batchboard <command>/);
});

test('an unknown command is one line naming it, exit 2', async (t) => {
  const r = await batchboard(['frobnicate']);
  t.is(r.code, 2);
  t.true(oneLine(r.stderr));
  t.regex(r.stderr, /unknown command 'frobnicate'/);
});

test('an unknown flag is one line naming it, exit 2', async (t) => {
  const r = await batchboard(['status', '--bogus']);
  t.is(r.code, 2);
  t.true(oneLine(r.stderr));
  t.regex(r.stderr, /status: Unknown option '--bogus'/);
  t.notRegex(r.stderr, /at .*\.ts:\d+/);
});

test('a flag missing its value is one line, exit 2', async (t) => {
  const r = await batchboard(['status', '--warehouse']);
  t.is(r.code, 2);
  t.true(oneLine(r.stderr));
  t.regex(r.stderr, /--warehouse/);
});

test('a warehouse that does not exist is one line naming it, exit 2', async (t) => {
  const r = await batchboard(['top', '--warehouse', '/tmp/batchboard-nowhere/warehouse.db']);
  t.is(r.code, 2);
  t.true(oneLine(r.stderr));
  t.regex(r.stderr, /top: .*\/tmp\/batchboard-nowhere\/warehouse\.db does not exist/);
});

test('a command --help prints its usage line and exits 0', async (t) => {
  const r = await batchboard(['restart', '--help']);
  t.is(r.code, 0);
  t.regex(r.stdout, /usage: batchboard restart ACTOR \[--warehouse PATH\|URL\] \[--pipeline NAME\]/);
});

test('status with no running supervisor names the socket it tried, exit 2', async (t) => {
  const r = await batchboard(['status', '--warehouse', '/tmp/batchboard-nowhere/warehouse.db']);
  t.is(r.code, 2);
  t.true(oneLine(r.stderr));
  t.regex(r.stderr, /no running supervisor answers at \/tmp\/batchboard-nowhere\/warehouse\.db\.sock/);
});

test('restart without an actor name is one line, exit 2', async (t) => {
  const r = await batchboard(['restart']);
  t.is(r.code, 2);
  t.true(oneLine(r.stderr));
  t.regex(r.stderr, /restart: name the actor/);
});
