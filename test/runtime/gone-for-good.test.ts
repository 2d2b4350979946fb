// Regression: a send to an actor that has stopped for good (temporary and crashed, or transient
// and finished normally) used to wait forever. It rejects now, naming the receiver, and the
// sender crashes with that reason instead of hanging.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { FAST, captureLogger, fixture, startSupervisor, statusOf, tempDir, waitFor } from './helpers.ts';

const gone = (name: string) => `ReceiverGone: actor '${name}' has stopped and will not be restarted`;

test('a temporary receiver that crashed: its linked producer crashes with "has stopped and will not be restarted"', async (t) => {
  const logs = captureLogger();
  const sup = await startSupervisor(
    t,
    {
      ...FAST,
      children: [
        { name: 'C', module: fixture('fragile'), restart: 'temporary', args: { crashAt: 5, message: 'C broke' } },
        // Temporary as well, so that it crashes once and the test sees one clean reason.
        { name: 'P', module: fixture('producer'), restart: 'temporary', args: { to: 'C', publishEvery: 1 } },
      ],
    },
    logs.log,
  );
  await waitFor(() => logs.of('actor.crash', 'C').length === 1, { what: 'C to crash on its 5th message' });
  const crashedAt = logs.of('actor.crash', 'C')[0]!.at;
  await waitFor(() => logs.of('actor.crash', 'P').length === 1, {
    timeoutMs: 10_000,
    what: () => `P's send to the gone C to be refused (P is ${JSON.stringify(statusOf(sup, 'P'))})`,
  });
  const crash = logs.of('actor.crash', 'P')[0]!;
  t.is(crash.fields.reason, gone('C'));
  t.true(crash.at - crashedAt < 5000, `P learnt it ${crash.at - crashedAt} ms after C crashed`);
  t.like(statusOf(sup, 'C'), { state: 'stopped', restarts: 0, lastError: 'Error: C broke' });
  t.like(statusOf(sup, 'P'), { state: 'stopped', lastError: gone('C') });
  t.deepEqual(logs.of('actor.backoff'), [], 'neither is restarted');
});

test('a transient receiver that finished normally: a later send is refused and crashes the sender', async (t) => {
  const dir = tempDir(t);
  const trigger = path.join(dir, 'send-now');
  const logs = captureLogger();
  const sup = await startSupervisor(
    t,
    {
      ...FAST,
      children: [
        { name: 'C', module: fixture('finisher'), restart: 'transient', args: { afterMs: 0 } },
        {
          name: 'S',
          module: fixture('sender'),
          restart: 'temporary',
          args: { to: 'C', trigger, message: { type: 'work', seq: 0, from: 'S' } },
        },
      ],
    },
    logs.log,
  );
  await waitFor(() => logs.of('actor.exit', 'C').length === 1 && statusOf(sup, 'C').state === 'stopped', {
    what: 'C to finish normally',
  });
  t.deepEqual(logs.of('actor.exit', 'C')[0]!.fields, { actor: 'C', normal: true });

  fs.writeFileSync(trigger, '');
  await waitFor(() => logs.of('actor.crash', 'S').length === 1, {
    timeoutMs: 10_000,
    what: () => `S's send to the finished C to be refused (S is ${JSON.stringify(statusOf(sup, 'S'))})`,
  });
  t.is(logs.of('actor.crash', 'S')[0]!.fields.reason, gone('C'));
  t.deepEqual(logs.of('sender.sent'), []);
  t.like(statusOf(sup, 'C'), { state: 'stopped', restarts: 0, lastError: null });
});
