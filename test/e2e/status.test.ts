// `batchboard status` and `batchboard restart` against a running `start` (CONTRACTS §5): found from
// --warehouse alone, they show the four actors running and, per source, what a user watches:
// records read and sent, the rate, where it is in the source, and how far behind; the Aggregator's
// commits. The API token is never shown (CONTRACTS §1). A restart of an unknown actor names the
// known ones and restarts nothing.
import test from 'ava';
import { batchboard } from '../cli/helpers.ts';
import { waitFor } from '../wait.ts';
import { Pipeline, caughtUp, startSim, tempDir } from './helpers.ts';
import type { ActorStatus } from '../../src/runtime/index.ts';

const TOKEN = 'tok-7Qz9-status-e2e-secret';
const ACTORS = ['Aggregator', 'BatchFetcher', 'StudentWatcher', 'LogTailer'];

// Per actor, the counters that answer "is it reading, how fast, where, how far behind" (the names
// the actors publish in src/actors/*.ts).
const COUNTERS: Record<string, { read: string; where: string[]; rate?: string; lag?: string; unit?: string }> = {
  LogTailer: { read: 'records', where: ['file', 'offset', 'committed'], rate: 'rate', lag: 'lag', unit: 'bytes' },
  StudentWatcher: { read: 'records', where: ['offset', 'committed'], rate: 'rate', lag: 'lag', unit: 'rows' },
  // The BatchFetcher's lag is the time since the last good poll.
  BatchFetcher: { read: 'records', where: ['offset', 'committed'], rate: 'rate', lag: 'lag', unit: 'ms' },
  Aggregator: { read: 'commits', where: [] },
};

async function statusJson(warehouse: string): Promise<{ actors: Map<string, ActorStatus>; stdout: string; stderr: string }> {
  const r = await batchboard(['status', '--warehouse', warehouse, '--json']);
  if (r.code !== 0) throw new Error(`status --json: exit ${r.code}: ${r.stderr}`);
  return { actors: new Map((JSON.parse(r.stdout) as ActorStatus[]).map((a) => [a.name, a])), stdout: r.stdout, stderr: r.stderr };
}

test.serial('status shows the four actors and their counters; the token appears nowhere; restart of an unknown actor names the known ones', async (t) => {
  const dir = tempDir(t);
  const sim = await startSim(t, dir, {
    seed: 51,
    token: TOKEN,
    live: { batchesPerSec: 2, studentsPerSec: 30, testRunsPerSec: 5_000 },
    faults: { 'http-429': 0.05, 'http-5xx': 0.05, 'resets': 0.02 },
    tuning: { retryAfterSec: 1 },
  });
  const pipeline = new Pipeline(t, sim, dir, ['--api-token', TOKEN]);
  pipeline.start();

  const printed: string[] = [];
  let last = '';
  const status = await waitFor(
    async () => {
      const s = await statusJson(pipeline.warehouse);
      printed.push(s.stdout, s.stderr);
      last = s.stdout;
      const n = (a: string, k: string) => Number(s.actors.get(a)?.counters[k] ?? 0);
      const ready =
        ACTORS.every((a) => s.actors.get(a)?.state === 'running') &&
        n('LogTailer', 'records') > 0 &&
        n('StudentWatcher', 'records') > 0 &&
        n('BatchFetcher', 'records') > 0 &&
        n('Aggregator', 'commits') > 0 &&
        n('LogTailer', 'committed') > 0;
      return ready ? s.actors : null;
    },
    { what: () => `all four actors running with data read and committed; last status:\n${last}\n${pipeline.stderr.slice(-2000)}`, timeoutMs: 30_000, intervalMs: 200 },
  );

  for (const [name, c] of Object.entries(COUNTERS)) {
    const a = status.get(name)!;
    t.is(a.state, 'running', name);
    t.is(a.restarts, 0, `${name} has not restarted`);
    t.is(typeof a.threadId, 'number', `${name} runs on a thread`);
    t.true(Number(a.counters[c.read]) > 0, `${name} ${c.read} > 0`);
    for (const k of c.where) t.not(a.counters[k], undefined, `${name} publishes its position ${k}`);
    if (c.rate !== undefined) t.is(typeof a.counters[c.rate], 'number', `${name} publishes its rate ${c.rate}`);
    if (c.lag !== undefined) t.regex(String(a.counters[c.lag]), /^-?\d+\+?$/, `${name} publishes its lag ${c.lag}`);
    if (c.unit !== undefined) t.is(a.counters['lag_unit'], c.unit, `${name} says its lag is in ${c.unit}`);
  }
  t.true(Number(status.get('LogTailer')!.counters['offset']) > 0, 'the LogTailer is past the start of the log');
  t.true(Number(status.get('StudentWatcher')!.counters['offset']) > 0, 'the StudentWatcher is past student 0');
  t.regex(String(status.get('BatchFetcher')!.counters['offset']), /\d{4}-\d\d-\d\dT/, 'the BatchFetcher cursor is a created_at');
  t.true(Number(status.get('Aggregator')!.counters['runs']) > 0, 'the Aggregator has applied test runs');

  // The human table: one row per actor, its state and the same counters as key=value.
  const table = await batchboard(['status', '--warehouse', pipeline.warehouse]);
  printed.push(table.stdout, table.stderr);
  t.is(table.code, 0, table.stderr);
  t.regex(table.stdout.split('\n')[0]!, /^actor\s+state\s+thread\s+restarts\s+mailbox\s+handled\s+counters\s+last error$/);
  for (const [name, c] of Object.entries(COUNTERS)) {
    const row = table.stdout.split('\n').find((l) => l.startsWith(name + ' '));
    t.truthy(row, `a row for ${name}:\n${table.stdout}`);
    t.regex(row ?? '', /\brunning\b/, `${name} running`);
    for (const k of [c.read, ...c.where, ...(c.rate ? [c.rate] : []), ...(c.lag ? [c.lag] : [])]) t.regex(row ?? '', new RegExp(`\\b${k}=\\S+`), `${name} shows ${k}=`);
  }

  const unknown = await batchboard(['restart', 'NoSuchActor', '--warehouse', pipeline.warehouse]);
  printed.push(unknown.stdout, unknown.stderr);
  t.is(unknown.code, 1, unknown.stderr);
  t.is(unknown.stdout, '');
  t.is(unknown.stderr.trimEnd().split('\n').length, 1, `one line: ${unknown.stderr}`);
  t.regex(unknown.stderr, /NoSuchActor/);
  for (const name of ACTORS) t.true(unknown.stderr.includes(name), `the message names ${name}: ${unknown.stderr}`);
  const after = await statusJson(pipeline.warehouse);
  for (const name of ACTORS) {
    t.is(after.actors.get(name)!.restarts, 0, `${name} was not restarted`);
    t.is(after.actors.get(name)!.threadId, status.get(name)!.threadId, `${name} runs on the same thread`);
  }

  await caughtUp(t, sim, pipeline);
  t.is((await pipeline.stop('SIGTERM')).code, 0);
  const gone = await batchboard(['status', '--warehouse', pipeline.warehouse]);
  printed.push(gone.stdout, gone.stderr);
  t.is(gone.code, 2, 'status with no supervisor running');
  t.regex(gone.stderr, /no running supervisor/);

  t.true(pipeline.stderr.length > 0, 'the supervisor logged');
  for (const text of [...printed, pipeline.stderr]) t.false(text.includes(TOKEN), 'the token is never printed');
  t.false(pipeline.stderr.includes(TOKEN.slice(4, 14)), 'not even in part');
});
