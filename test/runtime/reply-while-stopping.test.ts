// Regression: shutdown stops the later actor first. An earlier actor that answers it from
// handle() had that reply abandoned once it was stopping itself, and the rejection crashed it:
// the rest of its mailbox was dropped and its stop() (the flush) never ran. Now the reply is
// given up, the rest of the mailbox is handled and the flush runs.
import test from 'ava';
import { FAST, captureLogger, fixture, startSupervisor, statusOf, waitFor } from './helpers.ts';

test('during shutdown, an actor answering an already stopped peer handles its mailbox and flushes', async (t) => {
  const logs = captureLogger();
  const capacity = 64;
  const sup = await startSupervisor(
    t,
    {
      ...FAST,
      children: [
        { name: 'Acker', module: fixture('acker'), args: { delayMs: 5 }, mailboxCapacity: capacity, shutdownMs: 10_000 },
        { name: 'Ackee', module: fixture('ackee'), args: { to: 'Acker' } },
      ],
    },
    logs.log,
  );
  // A backlog in the Acker's mailbox: it still has replies to make when the Ackee is gone.
  await waitFor(
    () => statusOf(sup, 'Acker').mailboxDepth >= capacity / 2 && ((statusOf(sup, 'Ackee').counters.acks as number) ?? 0) > 0,
    { what: () => `a backlog at the Acker and acks flowing (${JSON.stringify(sup.status())})` },
  );

  const began = Date.now();
  t.deepEqual(await sup.shutdown(), { code: 0 });
  const took = Date.now() - began;

  t.deepEqual(
    logs.of('actor.stopped').map((e) => e.fields),
    [{ actor: 'Ackee' }, { actor: 'Acker' }],
    'both stopped in reverse order, without error or timeout',
  );
  t.deepEqual(logs.of('actor.crash'), []);
  const flushed = logs.of('acker.flushed', 'Acker');
  t.is(flushed.length, 1, "the Acker's stop() ran");
  const stopped = logs.of('ackee.stopped', 'Ackee');
  t.is(stopped.length, 1);
  const { received, acked } = flushed[0]!.fields as { received: number; acked: number };
  const { sent } = stopped[0]!.fields as { sent: number };
  t.is(received, sent, 'every message the Ackee saw accepted was handled by the Acker');
  t.true(acked < received, `some replies were given up (received ${received}, acked ${acked})`);
  // Logged before the supervisor said it stopped (by order: both can fall in one millisecond).
  t.true(logs.entries.indexOf(flushed[0]!) < logs.entries.indexOf(logs.of('supervisor.stopped')[0]!));
  t.true(took < 8000, `shutdown took ${took} ms`);
  t.like(logs.entries.at(-1), { event: 'supervisor.stopped', fields: { code: 0 } });
});
