// Bounded mailboxes: a fast sender into a slow receiver waits instead of queueing without end,
// so the receiver's mailbox never passes its capacity and the sender's memory stays flat; and
// with big batch messages and a fast receiver, nothing is dropped.
import path from 'node:path';
import test from 'ava';
import { FAST, captureLogger, fixture, readLines, startSupervisor, statusOf, tempDir, waitFor } from './helpers.ts';

const MB = 1024 * 1024;

test('a slow consumer holds a fast producer back to its mailbox capacity', async (t) => {
  const dir = tempDir(t);
  const handledFile = path.join(dir, 'handled');
  const acceptedFile = path.join(dir, 'accepted');
  const capacity = 8;
  const logs = captureLogger();
  const sup = await startSupervisor(
    t,
    {
      ...FAST,
      children: [
        { name: 'consumer', module: fixture('consumer'), args: { handledFile, delayMs: 5 }, mailboxCapacity: capacity },
        { name: 'producer', module: fixture('producer'), args: { to: 'consumer', acceptedFile, publishEvery: 1 } },
      ],
    },
    logs.log,
  );

  // Sampling loop (a measurement, not a wait): status as a user sees it, and the two files; for
  // 3 s and until the consumer has handled 300 messages (a slow machine takes longer), within 90 s.
  const samples: Array<{ at: number; depth: number; sent: number; handled: number; heap: number; gap: number }> = [];
  const start = Date.now();
  const enough = () => Date.now() - start >= 3000 && (samples.at(-1)?.handled ?? 0) >= 300;
  while (!enough() && Date.now() - start < 90_000) {
    // Accepted is read before handled, so the gap can only be overstated, never understated.
    const accepted = readLines(acceptedFile).length;
    const handledLines = readLines(handledFile).length;
    const c = statusOf(sup, 'consumer');
    const p = statusOf(sup, 'producer');
    samples.push({
      at: Date.now() - start,
      depth: c.mailboxDepth,
      sent: Number(p.counters.sent ?? 0),
      handled: c.handled,
      heap: p.heapUsed,
      gap: accepted - handledLines,
    });
    await new Promise((r) => setTimeout(r, 15));
  }

  const maxDepth = Math.max(...samples.map((s) => s.depth));
  const maxGap = Math.max(...samples.map((s) => s.gap));
  const maxStatusGap = Math.max(...samples.map((s) => s.sent - s.handled));
  t.log(`max mailbox depth ${maxDepth}/${capacity}; accepted - handled at most ${maxGap} (files), ${maxStatusGap} (status)`);
  t.true(maxDepth <= capacity, `the consumer's mailbox reached ${maxDepth} > ${capacity}`);
  t.true(maxDepth >= capacity / 2, `the mailbox filled up (max depth ${maxDepth}): the producer really is faster`);
  t.true(maxGap <= capacity, `accepted ran ${maxGap} messages ahead of handled`);
  // Status snapshots of the two actors come from different heartbeats: allow a few ticks' worth.
  t.true(maxStatusGap <= capacity + 32, `status shows the producer ${maxStatusGap} messages ahead of the consumer`);

  const last = samples.at(-1)!;
  t.true(last.handled >= 300, `the consumer kept handling (${last.handled} in ${last.at} ms)`);
  t.true(last.sent <= last.handled + capacity + 32);

  // Memory of a blocked producer stays flat: heap early in the run against heap at its end.
  // (Over 3 s: early 0.5 to 1.2 s, late from 2.3 s.)
  const early = samples.filter((s) => s.at >= last.at / 6 && s.at < last.at * 0.4 && s.heap > 0).map((s) => s.heap);
  const late = samples.filter((s) => s.at >= last.at * 0.77 && s.heap > 0).map((s) => s.heap);
  t.true(early.length > 0 && late.length > 0, 'heap sampled early and late');
  const growth = Math.max(...late) - Math.min(...early);
  t.log(`producer heap ${(Math.min(...early) / MB).toFixed(1)} MB early, ${(Math.max(...late) / MB).toFixed(1)} MB late`);
  t.true(growth < 8 * MB, `the blocked producer's heap grew by ${(growth / MB).toFixed(1)} MB`);
  t.deepEqual(logs.of('actor.crash'), []);
});

test('batches of 1,000 records through small mailboxes: nothing is dropped', async (t) => {
  const logs = captureLogger();
  const batches = 100;
  const size = 1000;
  const capacity = 4;
  const sup = await startSupervisor(
    t,
    {
      ...FAST,
      children: [
        { name: 'consumer', module: fixture('consumer'), mailboxCapacity: capacity },
        { name: 'B1', module: fixture('batch-producer'), args: { to: 'consumer', batches, size } },
        { name: 'B2', module: fixture('batch-producer'), args: { to: 'consumer', batches, size } },
      ],
    },
    logs.log,
  );
  let maxDepth = 0;
  await waitFor(
    () => {
      const c = statusOf(sup, 'consumer');
      maxDepth = Math.max(maxDepth, c.mailboxDepth);
      return c.counters.records === 2 * batches * size && statusOf(sup, 'B1').counters.done === 1 && statusOf(sup, 'B2').counters.done === 1;
    },
    { timeoutMs: 60_000, what: `the consumer to count ${2 * batches * size} records` },
  );
  t.is(statusOf(sup, 'consumer').counters.records, 2 * batches * size);
  t.is(statusOf(sup, 'consumer').handled, 2 * batches);
  t.is(statusOf(sup, 'B1').counters.sentRecords, batches * size);
  t.is(statusOf(sup, 'B2').counters.sentRecords, batches * size);
  t.true(maxDepth <= capacity, `mailbox depth ${maxDepth} > ${capacity}`);
  t.deepEqual(logs.of('actor.crash'), []);
});
