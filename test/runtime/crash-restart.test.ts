// A crashing actor is restarted with exponential, jittered backoff while its peers go on
// handling messages on the same threads.
import test from 'ava';
import { FAST, captureLogger, fixture, startSupervisor, statusOf, waitFor, type LogEntry } from './helpers.ts';

/** Restart n waits between half and all of min(maxMs, initialMs·2^(n-1)). */
function assertBackoff(t: import('ava').ExecutionContext, backoffs: LogEntry[], restarts: LogEntry[]): void {
  backoffs.forEach((b, i) => {
    const attempt = i + 1;
    const full = Math.min(FAST.backoff.maxMs, FAST.backoff.initialMs * 2 ** (attempt - 1));
    t.is(b.fields.attempt, attempt, `backoff #${attempt} is attempt ${attempt}`);
    const delay = b.fields.delayMs as number;
    t.true(delay >= full / 2 && delay <= full, `attempt ${attempt}: delay ${delay} ms is not within [${full / 2}, ${full}]`);
    // The restart really waited for it (1 ms of clock rounding allowed).
    const restart = restarts[i];
    t.truthy(restart, `a restart follows backoff #${attempt}`);
    t.true(restart!.at - b.at >= delay - 1, `restart ${attempt} came ${restart!.at - b.at} ms after a ${delay} ms backoff`);
  });
  const delays = backoffs.map((b) => b.fields.delayMs as number);
  t.true(delays.at(-1)! > delays[0]!, `backoff grew: ${delays.join(', ')} ms`);
}

test('a crashing actor is restarted with growing backoff while its peers keep handling messages', async (t) => {
  const logs = captureLogger();
  const sup = await startSupervisor(
    t,
    {
      ...FAST,
      strategy: 'one_for_one',
      children: [
        { name: 'consumer', module: fixture('consumer'), args: { delayMs: 2 }, mailboxCapacity: 16 },
        { name: 'producer', module: fixture('producer'), args: { to: 'consumer', publishEvery: 8 } },
        { name: 'crasher', module: fixture('crasher'), args: { afterMs: 30, message: 'boom: disk on fire' } },
      ],
    },
    logs.log,
  );
  const before = { consumer: statusOf(sup, 'consumer').threadId, producer: statusOf(sup, 'producer').threadId };
  t.not(before.consumer, null);
  t.not(before.producer, null);

  // Sample the peers through the crash loop: one group of samples per crasher restart count.
  const samples: Array<{ restarts: number; handled: number; sent: number; consumerThread: number | null; producerThread: number | null; consumerState: string }> = [];
  await waitFor(
    () => {
      const c = statusOf(sup, 'consumer');
      const p = statusOf(sup, 'producer');
      const x = statusOf(sup, 'crasher');
      samples.push({
        restarts: x.restarts,
        handled: c.handled,
        sent: Number(p.counters.sent ?? 0),
        consumerThread: c.threadId,
        producerThread: p.threadId,
        consumerState: c.state,
      });
      return x.restarts >= 4 && logs.of('actor.crash', 'crasher').length >= 5;
    },
    { timeoutMs: 30_000, what: 'the crasher to crash 5 times and be restarted 4 times' },
  );

  const x = statusOf(sup, 'crasher');
  t.true(x.restarts >= 4);
  t.is(x.lastError, 'Error: boom: disk on fire');
  for (const crash of logs.of('actor.crash', 'crasher')) t.is(crash.fields.reason, 'Error: boom: disk on fire');

  const backoffs = logs.of('actor.backoff', 'crasher').slice(0, 4);
  const restarts = logs.of('actor.restart', 'crasher');
  t.is(backoffs.length, 4);
  assertBackoff(t, backoffs, restarts);
  for (const r of restarts) t.is(r.fields.reason, 'crash');

  // Each restart is a new thread.
  const threads = logs.of('actor.start', 'crasher').map((e) => e.fields.threadId);
  t.is(new Set(threads).size, threads.length, `crasher threads ${threads.join(', ')} are all different`);

  // The peers never stopped: same threads, never restarted, and progress during every crash cycle.
  for (const s of samples) {
    t.is(s.consumerThread, before.consumer);
    t.is(s.producerThread, before.producer);
    t.is(s.consumerState, 'running');
  }
  for (let r = 0; r < 4; r++) {
    const during = samples.filter((s) => s.restarts === r);
    t.true(during.length >= 2, `sampled cycle ${r}`);
    t.true(during.at(-1)!.handled > during[0]!.handled, `the consumer handled messages during crash cycle ${r}`);
  }
  t.true(samples.at(-1)!.sent > samples[0]!.sent, 'the producer kept sending');
  t.is(statusOf(sup, 'consumer').restarts, 0);
  t.is(statusOf(sup, 'producer').restarts, 0);
  t.is(statusOf(sup, 'consumer').lastError, null);
  t.deepEqual(
    logs.entries.filter((e) => e.event === 'actor.crash').map((e) => e.fields.actor),
    logs.of('actor.crash', 'crasher').map(() => 'crasher'),
    'only the crasher crashed',
  );
});

test('an actor that crashes while starting backs off exponentially too', async (t) => {
  const logs = captureLogger();
  const sup = await startSupervisor(
    t,
    {
      ...FAST,
      children: [
        { name: 'peer', module: fixture('tripwire') },
        { name: 'crasher', module: fixture('crasher'), args: { phase: 'create', message: 'cannot open the source' } },
      ],
    },
    logs.log,
  );
  await waitFor(() => logs.of('actor.restart', 'crasher').length >= 4 && logs.of('actor.backoff', 'crasher').length >= 4, {
    timeoutMs: 30_000,
    what: 'the crasher to be restarted 4 times',
  });
  t.is(statusOf(sup, 'crasher').lastError, 'Error: cannot open the source');
  t.is(statusOf(sup, 'peer').state, 'running');
  t.is(statusOf(sup, 'peer').restarts, 0);
  assertBackoff(t, logs.of('actor.backoff', 'crasher').slice(0, 4), logs.of('actor.restart', 'crasher'));
});
