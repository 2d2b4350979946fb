// Regression: under rest_for_one, a crash restarted every actor after the crashed one, temporary
// ones included. As in OTP, a temporary sibling is stopped with the group and not started again,
// while the permanent ones are restarted; senders to it are then told it is gone.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { FAST, captureLogger, fixture, startSupervisor, statusOf, tempDir, waitFor } from './helpers.ts';

test('rest_for_one: after A crashes, the temporary T after it stays stopped while the permanent B restarts', async (t) => {
  const dir = tempDir(t);
  const trigger = path.join(dir, 'crash-A');
  const sendNow = path.join(dir, 'send-now');
  const logs = captureLogger();
  const sup = await startSupervisor(
    t,
    {
      ...FAST,
      strategy: 'rest_for_one',
      children: [
        // Before A, so outside the restarted group: it sends to T when told.
        {
          name: 'S',
          module: fixture('sender'),
          restart: 'temporary',
          args: { to: 'T', trigger: sendNow, message: { type: 'work', seq: 0, from: 'S' } },
        },
        { name: 'A', module: fixture('tripwire'), args: { trigger, message: 'A tripped' } },
        { name: 'T', module: fixture('tripwire'), restart: 'temporary' },
        { name: 'B', module: fixture('tripwire') },
      ],
    },
    logs.log,
  );
  const before = new Map(sup.status().map((s) => [s.name, s.threadId]));

  fs.writeFileSync(trigger, '');
  await waitFor(
    () => logs.of('actor.start', 'A').length === 2 && logs.of('actor.start', 'B').length === 2,
    { what: () => `A and B to be restarted (${JSON.stringify(sup.status())})` },
  );
  t.like(statusOf(sup, 'A'), { state: 'running', restarts: 1, lastError: 'Error: A tripped' });
  t.like(statusOf(sup, 'B'), { state: 'running', restarts: 1, lastError: null });
  t.not(statusOf(sup, 'B').threadId, before.get('B'));
  t.like(statusOf(sup, 'T'), { state: 'stopped', restarts: 0, threadId: null, lastError: null });
  t.deepEqual(logs.of('actor.stopped').map((e) => e.fields.actor), ['B', 'T'], 'the group was stopped, last first');
  t.deepEqual(
    logs.of('actor.restart').map((e) => [e.fields.actor, e.fields.reason]),
    [
      ['A', 'crash'],
      ['B', 'rest_for_one after A'],
    ],
  );

  // Sampled window of several backoff periods: nothing brings T back.
  const until = Date.now() + 3 * FAST.backoff.maxMs;
  while (Date.now() < until && logs.of('actor.start', 'T').length === 1) await new Promise((r) => setTimeout(r, 50));
  t.is(logs.of('actor.start', 'T').length, 1, 'T was started once only');
  t.like(statusOf(sup, 'T'), { state: 'stopped', restarts: 0 });

  // A send to T now is refused: it will not run again.
  fs.writeFileSync(sendNow, '');
  await waitFor(() => logs.of('actor.crash', 'S').length === 1, { timeoutMs: 10_000, what: "S's send to T to be refused" });
  t.is(logs.of('actor.crash', 'S')[0]!.fields.reason, "ReceiverGone: actor 'T' has stopped and will not be restarted");
});
