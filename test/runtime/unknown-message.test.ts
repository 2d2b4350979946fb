// A message whose type the receiver does not accept is a crash of the receiver (not of the
// sender), with a reason naming the type; the receiver is then restarted like any crash.
import test from 'ava';
import { FAST, captureLogger, fixture, startSupervisor, statusOf, waitFor } from './helpers.ts';

async function sendTo(t: import('ava').ExecutionContext, message: unknown) {
  const logs = captureLogger();
  const sup = await startSupervisor(
    t,
    {
      ...FAST,
      children: [
        { name: 'consumer', module: fixture('consumer') },
        { name: 'sender', module: fixture('sender'), args: { to: 'consumer', message } },
      ],
    },
    logs.log,
  );
  await waitFor(() => logs.of('actor.crash', 'consumer').length === 1, { what: 'the consumer to crash' });
  const crashedThread = logs.of('actor.crash', 'consumer')[0]!.fields.threadId;
  await waitFor(() => statusOf(sup, 'consumer').state === 'running' && statusOf(sup, 'consumer').threadId !== crashedThread, {
    what: 'the consumer to be restarted',
  });
  return { sup, logs };
}

test('an unknown message type crashes the receiver, which is restarted', async (t) => {
  const { sup, logs } = await sendTo(t, { type: 'bogus', payload: 1 });
  const expected = `RuntimeError: actor 'consumer' received a message with unknown type "bogus"`;
  t.is(statusOf(sup, 'consumer').lastError, expected);
  t.is(logs.of('actor.crash', 'consumer')[0]!.fields.reason, expected);
  t.is(statusOf(sup, 'consumer').restarts, 1);
  t.is(logs.of('actor.restart', 'consumer')[0]?.fields.reason, 'crash');

  // The sender is not blamed: it sent once, and runs on its first thread.
  t.is(logs.of('sender.sent', 'sender').length, 1);
  t.deepEqual(logs.of('actor.start', 'sender').map((e) => e.fields.threadId), [statusOf(sup, 'sender').threadId]);
  t.is(statusOf(sup, 'sender').restarts, 0);
  t.deepEqual(logs.of('actor.crash', 'sender'), []);
});

test('a value that is not a message object crashes the receiver, naming what it got', async (t) => {
  const { sup } = await sendTo(t, 'just a string');
  t.is(
    statusOf(sup, 'consumer').lastError,
    "RuntimeError: actor 'consumer' received a value of type string, not a message object with a string 'type'",
  );
  t.is(statusOf(sup, 'consumer').restarts, 1);
  t.is(statusOf(sup, 'sender').restarts, 0);
});
