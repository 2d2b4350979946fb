// One mailbox, several senders: when the receiver is the bottleneck its free slots are shared,
// so every sender makes progress; the first one linked does not take every slot.
import path from 'node:path';
import test from 'ava';
import { FAST, captureLogger, fixture, readLines, startSupervisor, tempDir, waitFor } from './helpers.ts';

test('two fast producers into one slow consumer both make progress', async (t) => {
  const dir = tempDir(t);
  const handledFile = path.join(dir, 'handled');
  const logs = captureLogger();
  await startSupervisor(
    t,
    {
      ...FAST,
      children: [
        { name: 'consumer', module: fixture('consumer'), args: { handledFile, delayMs: 1 }, mailboxCapacity: 32 },
        { name: 'P1', module: fixture('producer'), args: { to: 'consumer' } },
        { name: 'P2', module: fixture('producer'), args: { to: 'consumer' } },
      ],
    },
    logs.log,
  );
  const perProducer = () => {
    const lines = readLines(handledFile);
    return {
      total: lines.length,
      P1: lines.filter((l) => l.startsWith('P1:')).length,
      P2: lines.filter((l) => l.startsWith('P2:')).length,
    };
  };
  // Both are running (start() resolved); from here on, the consumer is shared.
  const before = perProducer();
  const window = 600;
  await waitFor(() => perProducer().total >= before.total + window, { what: `${window} more messages handled` });
  const after = perProducer();
  const p1 = after.P1 - before.P1;
  const p2 = after.P2 - before.P2;
  t.log(`of the next ${p1 + p2} messages handled: P1 ${p1}, P2 ${p2}`);
  // An even split would be half each; a quarter leaves room for the second link's late start.
  t.true(p1 >= (p1 + p2) / 4, `P1 got ${p1} of ${p1 + p2} slots`);
  t.true(p2 >= (p1 + p2) / 4, `P2 got ${p2} of ${p1 + p2} slots`);
  t.deepEqual(logs.of('actor.crash'), []);
});
