// The Aggregator's named parts, each alone: the group-commit policy, the acks to the sources, the
// rate meter; and the one helper every actor checks its args with.
import test, { type ExecutionContext } from 'ava';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { CommitPolicy, HEAVY_WINDOW_MS } from '../../src/actors/commit-policy.ts';
import { Acks } from '../../src/actors/acks.ts';
import { RateMeter } from '../../src/actors/meters.ts';
import { Args, ArgsError } from '../../src/actors/args.ts';
import type { Committed } from '../../src/actors/messages.ts';
import { ReceiverGone, RuntimeError } from '../../src/runtime/index.ts';
import { waitFor } from '../wait.ts';

function policy(o = { maxMs: 60_000, maxRecords: 1_000 }) {
  let commits = 0;
  const p: CommitPolicy = new CommitPolicy(o, () => {
    commits++;
    p.committed();
  });
  return { p, commits: () => commits };
}

test('commit policy: a lone message commits once the messages delivered with it are applied, a burst shares one commit', async (t) => {
  const { p, commits } = policy();
  p.begun();
  p.added(1);
  p.added(1);
  t.is(commits(), 0, 'not inside the turn that delivered the messages');
  await nextTurn();
  t.is(commits(), 1, 'one commit for both');
});

test('commit policy: a transaction holding maxRecords, or open maxMs, commits at once', (t) => {
  const { p, commits } = policy({ maxMs: 60_000, maxRecords: 100 });
  p.begun();
  p.added(60);
  t.is(commits(), 0);
  p.added(40);
  t.is(commits(), 1, 'at maxRecords');
  const old = policy({ maxMs: 0, maxRecords: 100 });
  old.p.begun();
  old.p.added(1);
  t.is(old.commits(), 1, 'open maxMs (0 here)');
});

/** A policy that has just committed far more than 200 records per ms over a whole measuring window. */
async function heavy(t: ExecutionContext) {
  const r = policy({ maxMs: 60_000, maxRecords: 10_000_000 });
  const since = performance.now();
  await waitFor(() => performance.now() - since > HEAVY_WINDOW_MS, { what: 'one measuring window' });
  r.p.begun();
  r.p.added(5_000_000);
  await nextTurn();
  t.is(r.commits(), 1, 'the first commit, at the next turn');
  t.true(r.p.underHeavyLoad, 'measured as heavy');
  return r;
}

test('commit policy: under heavy load a commit waits a few ms for more instead of the next turn', async (t) => {
  const { p, commits } = await heavy(t);
  p.begun();
  p.added(1);
  await nextTurn();
  t.is(commits(), 1, 'the next commit did not come at the next turn');
  await waitFor(() => commits() === 2, { what: 'the spaced commit' });
});

test('commit policy: after heavy load, a record that comes a whole measuring window after the last commit commits at the next turn', async (t) => {
  const { p, commits } = await heavy(t);
  const committed = performance.now();
  await waitFor(() => performance.now() - committed > HEAVY_WINDOW_MS, { what: 'a quiet measuring window' });
  p.begun();
  p.added(1);
  t.false(p.underHeavyLoad, 'the load is over');
  await nextTurn();
  t.is(commits(), 2, 'committed at the next turn');
});

const ack = (source: Committed['source'], pos: number): Committed =>
  source === 'test_runs'
    ? { type: 'committed', source, session: 's', offset: { dev: 1, ino: 1, pos, head: '' } }
    : source === 'students'
      ? { type: 'committed', source, session: 's', offset: { hwm: pos } }
      : { type: 'committed', source, session: 's', offset: { created_at: '2024-01-01T00:00:00.000Z', id: pos } };

test('acks: one in flight per source; a newer one waiting replaces an older; each source on its own', async (t) => {
  const sent: string[] = [];
  const release: (() => void)[] = [];
  const acks = new Acks(
    (source, msg) => {
      sent.push(`${source}:${JSON.stringify(msg.offset)}`);
      return new Promise<void>((resolve) => release.push(resolve));
    },
    () => t.fail('no send failed'),
  );
  acks.set(ack('students', 1));
  acks.flush();
  acks.set(ack('students', 2));
  acks.flush();
  acks.set(ack('students', 3));
  acks.flush();
  acks.set(ack('batches', 7));
  acks.flush();
  t.deepEqual(sent, ['students:{"hwm":1}', 'batches:{"created_at":"2024-01-01T00:00:00.000Z","id":7}'], 'the second students ack waits for the first');
  release.shift()!();
  await waitFor(() => sent.length === 3, { what: 'the waiting ack' });
  t.is(sent[2], 'students:{"hwm":3}', 'the newest, not every one');
});

test('acks: a failed send is reported unless its receiver is gone', async (t) => {
  const failed: string[] = [];
  let next: unknown = new ReceiverGone("actor 'LogTailer' has stopped and will not be restarted");
  const acks = new Acks(
    () => Promise.reject(next),
    (source, err) => failed.push(`${source}: ${(err as Error).message}`),
  );
  acks.set(ack('test_runs', 1));
  acks.flush();
  await nextTurn();
  await nextTurn();
  t.deepEqual(failed, []);
  next = new RuntimeError('the link broke');
  acks.set(ack('test_runs', 2));
  acks.flush();
  await waitFor(() => failed.length === 1, { what: 'the failure reported' });
  t.deepEqual(failed, ['test_runs: the link broke']);
});

test('rate meter: records per second over its window, decaying to 0', (t) => {
  const t0 = Date.now();
  const m = new RateMeter(5_000, 250, t0);
  m.add(1000);
  t.is(m.rate(t0 + 1000), 1000);
  m.add(1000);
  t.is(m.rate(t0 + 2000), 1000);
  t.is(m.count, 2000);
  // Nothing more for a long while: the window slides past the records.
  for (let s = 3; s <= 12; s++) m.rate(t0 + s * 1000);
  t.is(m.rate(t0 + 13_000), 0);
});

test('args: one wording for every actor, naming the field, what it must be and what it was', (t) => {
  const a = new Args('LogTailer', { log: '', pollMs: -3, retry: { initialMs: 1 } });
  t.throws(() => a.string('log', 'the path of test_runs.log'), { instanceOf: ArgsError, message: 'LogTailer args.log must be the path of test_runs.log (a non-empty string), got ""' });
  t.throws(() => a.int('pollMs', 100), { message: 'LogTailer args.pollMs must be an integer >= 1, got -3' });
  t.is(a.int('maxBatchBytes', 4096, 4096), 4096, 'the default when absent');
  t.throws(() => a.string('students', 'the path of students.db'), { message: 'LogTailer args.students must be the path of students.db (a non-empty string) (it is missing)' });
  t.throws(() => a.optionalInts('retry', ['initialMs', 'maxMs', 'limit'] as const), { message: 'LogTailer args.retry must be { initialMs, maxMs, limit }, integers >= 0, got {"initialMs":1}' });
});
