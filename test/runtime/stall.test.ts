// An actor whose event loop stalls stops answering heartbeats: it is declared crashed within
// timeoutMs + intervalMs, its thread is ended and it runs again on a new one. A busy actor that
// still yields between slices of work is left alone.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { FAST, captureLogger, fixture, startSupervisor, statusOf, tempDir, waitFor } from './helpers.ts';

test('a stalled actor is detected by its missed heartbeats and restarted on a new thread', async (t) => {
  const dir = tempDir(t);
  const trigger = path.join(dir, 'stall');
  const logs = captureLogger();
  // A timeout short enough for a quick test, long enough that the peer is not taken for stalled.
  const heartbeat = { intervalMs: 50, timeoutMs: 1000 };
  const { intervalMs, timeoutMs } = heartbeat;
  const sup = await startSupervisor(
    t,
    {
      ...FAST,
      heartbeat,
      children: [
        { name: 'peer', module: fixture('tripwire') },
        { name: 'staller', module: fixture('tripwire'), args: { trigger, action: 'stall' } },
      ],
    },
    logs.log,
  );
  const before = { staller: statusOf(sup, 'staller').threadId, peer: statusOf(sup, 'peer').threadId };

  fs.writeFileSync(trigger, '');
  await waitFor(() => logs.of('tripwire.fired', 'staller').length === 1, { what: 'the staller to start stalling' });
  await waitFor(() => logs.of('actor.crash', 'staller').length === 1, {
    timeoutMs: timeoutMs + intervalMs + 10_000,
    what: 'the stall to be detected',
  });
  const stalledAt = logs.of('tripwire.fired', 'staller')[0]!.at;
  const crash = logs.of('actor.crash', 'staller')[0]!;
  const expected = `RuntimeError: actor 'staller' stopped answering heartbeats for ${timeoutMs} ms (event loop stalled)`;
  t.is(crash.fields.reason, expected);
  t.is(crash.fields.threadId, before.staller);

  // Not before the timeout (less the ping interval the last answer may predate the stall by),
  // and within timeoutMs + intervalMs plus scheduling slack.
  const detectedAfter = crash.at - stalledAt;
  t.log(`stall detected ${detectedAfter} ms after it began (timeout ${timeoutMs} ms, interval ${intervalMs} ms)`);
  t.true(detectedAfter >= timeoutMs - 2 * intervalMs, `detected only ${detectedAfter} ms after the stall began`);
  t.true(detectedAfter <= timeoutMs + intervalMs + 1500, `detected ${detectedAfter} ms after the stall began`);

  await waitFor(() => statusOf(sup, 'staller').state === 'running' && statusOf(sup, 'staller').threadId !== before.staller, {
    what: 'the staller to run again on a new thread',
  });
  const after = statusOf(sup, 'staller');
  t.is(after.restarts, 1);
  t.is(after.lastError, expected);
  t.regex(after.lastError!, /heartbeats.*stalled/);
  t.is(logs.of('actor.restart', 'staller')[0]?.fields.reason, 'crash');
  // The new incarnation answers heartbeats: it is not declared stalled again.
  const restartedAt = Date.now();
  await waitFor(() => Date.now() - restartedAt > timeoutMs + 2 * intervalMs && statusOf(sup, 'staller').heapUsed > 0, {
    what: 'the new incarnation to answer heartbeats past one timeout',
  });
  t.is(logs.of('actor.crash', 'staller').length, 1);
  t.is(statusOf(sup, 'staller').state, 'running');

  t.is(statusOf(sup, 'peer').threadId, before.peer);
  t.is(statusOf(sup, 'peer').restarts, 0);
});

test('a busy actor that yields between slices of work is not taken for stalled', async (t) => {
  const logs = captureLogger();
  // Slices of 100 ms against a 1 s timeout: heartbeats are answered late but answered.
  const heartbeat = { intervalMs: 50, timeoutMs: 1000 };
  const sup = await startSupervisor(
    t,
    { ...FAST, heartbeat, children: [{ name: 'busy', module: fixture('busy'), args: { sliceMs: 100 } }] },
    logs.log,
  );
  const thread = statusOf(sup, 'busy').threadId;
  await waitFor(() => Number(statusOf(sup, 'busy').counters.slices ?? 0) >= 15, {
    timeoutMs: 20_000,
    what: 'the busy actor to work 15 slices',
  });
  t.deepEqual(logs.of('actor.crash'), []);
  t.is(statusOf(sup, 'busy').threadId, thread);
  t.is(statusOf(sup, 'busy').restarts, 0);
});

test('an actor that never becomes ready is ended after startTimeoutMs and tried again', async (t) => {
  const logs = captureLogger();
  const startTimeoutMs = 1500;
  const sup = await startSupervisor(
    t,
    {
      ...FAST,
      children: [
        { name: 'peer', module: fixture('tripwire') },
        { name: 'late', module: fixture('never-ready'), startTimeoutMs },
      ],
    },
    logs.log,
  );
  await waitFor(() => logs.of('actor.restart', 'late').length >= 1, { timeoutMs: 20_000, what: 'the late actor to be tried again' });
  const expected = `RuntimeError: actor 'late' did not become ready within ${startTimeoutMs} ms`;
  t.is(logs.of('actor.crash', 'late')[0]?.fields.reason, expected);
  t.is(statusOf(sup, 'late').lastError, expected);
  t.deepEqual(logs.of('actor.start', 'late'), [], 'never reported as started');
  t.is(statusOf(sup, 'peer').state, 'running');
  t.is(statusOf(sup, 'peer').restarts, 0);
});
