// Heartbeats judge the actors' threads, not the supervisor's: when the supervisor's own thread
// was blocked for a while (a long synchronous task in the same process), the answers that queued
// up meanwhile count, and healthy actors are not taken for stalled, while an actor that did stall
// is still caught. Its own file, because it blocks the test process's main thread.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { FAST, captureLogger, fixture, startSupervisor, statusOf, tempDir, waitFor } from './helpers.ts';
import { afterControlPost } from './runtime-spy.ts';

test('a supervisor thread that was busy for a while does not take healthy actors for stalled, and still catches a stalled one', async (t) => {
  const dir = tempDir(t);
  const trigger = path.join(dir, 'stall');
  const logs = captureLogger();
  // The timeout is long enough that a loaded machine does not make a healthy actor miss it (the
  // stall tests' setting); the block below is twice as long. The interval is a quarter of it
  // because B (or S) may be judged in the same turn as A, right after the block and before the
  // answers that queued up are read: B's outstanding ping is then one from a whole interval
  // earlier, and with 250 ms a healthy B has long answered it. (A B slower than one interval
  // would pass for stalled there: a gap of the runtime's, not a behaviour this test claims.)
  const heartbeat = { intervalMs: 250, timeoutMs: 1000 };
  const blockMs = 2 * heartbeat.timeoutMs;

  // The block comes at the worst moment for a healthy actor: right after a ping went out to A,
  // so that A's answer is still unread when the supervisor's thread resumes and the ping is by
  // then older than the timeout. (At a random moment A has almost never a ping outstanding, and
  // only the rule "judge by the oldest unanswered ping" would be tested.)
  let armed = false;
  let blocked = false;
  afterControlPost(t, (to, msg) => {
    if (!armed || to !== 'A' || msg.t !== 'ping') return;
    armed = false;
    const end = Date.now() + blockMs;
    while (Date.now() < end) {
      // blocked: A's, B's and S's threads run on; A and B answer, S does not
    }
    blocked = true;
  });

  const sup = await startSupervisor(
    t,
    {
      ...FAST,
      heartbeat,
      children: [
        { name: 'A', module: fixture('tripwire') },
        { name: 'B', module: fixture('tripwire') },
        // The positive control, under the same heartbeat and the same block: without working
        // heartbeats its stall would never be noticed (nor would A ever be pinged, and the
        // block never come), and this test would fail.
        { name: 'S', module: fixture('tripwire'), args: { trigger, action: 'stall' } },
      ],
    },
    logs.log,
  );
  const threads = { A: statusOf(sup, 'A').threadId, B: statusOf(sup, 'B').threadId, S: statusOf(sup, 'S').threadId };

  // S stalls its event loop for good; then the supervisor's thread is blocked.
  fs.writeFileSync(trigger, '');
  await waitFor(() => logs.of('tripwire.fired', 'S').length === 1, { what: 'S to start stalling' });
  armed = true;
  await waitFor(() => blocked, { what: "the supervisor's thread to be blocked after a ping to A" });

  // S is caught: the heartbeat is live after the block and does judge the actors.
  const expected = `RuntimeError: actor 'S' stopped answering heartbeats for ${heartbeat.timeoutMs} ms (event loop stalled)`;
  await waitFor(() => logs.of('actor.crash', 'S').length === 1, {
    timeoutMs: 20_000,
    what: () => `S's stall to be detected (events ${JSON.stringify(logs.entries.slice(-6))})`,
  });
  t.like(logs.of('actor.crash', 'S')[0]!.fields, { threadId: threads.S, reason: expected });

  // Heartbeats go on after the rounds that judged A and B with S: S's next incarnation answers one.
  await waitFor(
    () => {
      const s = statusOf(sup, 'S');
      return s.state === 'running' && s.threadId !== threads.S && s.heapUsed > 0;
    },
    { timeoutMs: 20_000, what: () => `S's new incarnation to answer a heartbeat (${JSON.stringify(statusOf(sup, 'S'))})` },
  );

  t.deepEqual(
    logs.of('actor.crash').map((e) => `${e.fields.actor as string}: ${e.fields.reason as string}`),
    [`S: ${expected}`],
    'healthy actors were declared crashed because the supervisor itself was late',
  );
  t.deepEqual(
    sup.status().map((s) => [s.name, s.state, s.restarts]),
    [
      ['A', 'running', 0],
      ['B', 'running', 0],
      ['S', 'running', 1],
    ],
  );
  t.is(statusOf(sup, 'A').threadId, threads.A);
  t.is(statusOf(sup, 'B').threadId, threads.B);
});
