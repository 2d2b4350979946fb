// Heartbeats judge the actors' threads, not the supervisor's: when the supervisor's own thread
// was blocked for a while (a long synchronous task in the same process), the answers that queued
// up meanwhile count, and healthy actors are not taken for stalled. Its own file, because it
// blocks the test process's main thread.
import test from 'ava';
import { FAST, captureLogger, fixture, startSupervisor, waitFor } from './helpers.ts';

test('a supervisor thread that was busy for a while does not take healthy actors for stalled', async (t) => {
  const logs = captureLogger();
  const heartbeat = { intervalMs: 50, timeoutMs: 500 };
  const sup = await startSupervisor(
    t,
    {
      ...FAST,
      heartbeat,
      children: [
        { name: 'A', module: fixture('tripwire') },
        { name: 'B', module: fixture('tripwire') },
      ],
    },
    logs.log,
  );
  const threads = sup.status().map((s) => s.threadId);
  // The supervisor's own thread (this one) is blocked for twice the heartbeat timeout, as by a
  // long synchronous task in the same process; the actors' threads answer pings all along.
  const end = Date.now() + 2 * heartbeat.timeoutMs;
  while (Date.now() < end) {
    // blocked
  }
  // Give the heartbeat several rounds to look at the answers that queued up meanwhile.
  const resumed = Date.now();
  await waitFor(() => Date.now() - resumed > heartbeat.timeoutMs + 4 * heartbeat.intervalMs, {
    what: 'a few heartbeat rounds after the block',
  });
  t.deepEqual(
    logs.of('actor.crash').map((e) => e.fields.reason),
    [],
    'healthy actors were declared crashed because the supervisor itself was late',
  );
  t.deepEqual(sup.status().map((s) => s.threadId), threads);
});
