// Regression: a receiver A that crashed while the supervisor's operation queue was busy (here:
// start() waiting on an actor that is not ready yet) still looked 'running' until its crash was
// handled, and its producer's reconnect was wired to the dead thread: the producer never sent
// again, not even to A's next incarnation, and held up shutdown for its whole shutdownMs.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { FAST, captureLogger, fixture, statusOf, tempDir, waitFor } from './helpers.ts';
import { settledFlag } from '../settled.ts';
import { Supervisor } from '../../src/runtime/index.ts';

test('a producer keeps sending after its receiver crashed while the supervisor was busy starting another actor', async (t) => {
  const dir = tempDir(t);
  const trigger = path.join(dir, 'crash-A');
  const gate = path.join(dir, 'ready-X');
  fs.writeFileSync(trigger, ''); // A crashes on its first message, once
  const logs = captureLogger();
  const pShutdownMs = 10_000;
  const sup = new Supervisor(
    {
      ...FAST,
      children: [
        { name: 'A', module: fixture('once-fragile'), args: { trigger } },
        { name: 'P', module: fixture('producer'), args: { to: 'A', publishEvery: 64 }, shutdownMs: pShutdownMs },
        // Holds the operation queue (start() waits for it) until the test opens the gate, while A
        // crashes. Its start timeout is only a guard: the test never waits for it.
        { name: 'X', module: fixture('gated-ready'), args: { gate }, startTimeoutMs: 60_000 },
      ],
    },
    logs.log,
  );
  t.teardown(async () => {
    await sup.shutdown();
  });
  const sent = () => (statusOf(sup, 'P').counters.sent as number | undefined) ?? 0;
  const diagnose = () => `status ${JSON.stringify(sup.status())}; events ${JSON.stringify(logs.entries.slice(-10))}`;

  const starting = sup.start();
  const started = settledFlag(starting);
  // A crashes on P's first message (its thread is gone); start() is still waiting for X meanwhile.
  await waitFor(() => logs.of('actor.start', 'P').length === 1 && statusOf(sup, 'A').threadId === null, {
    timeoutMs: 20_000,
    what: () => `A to crash on P's first message (${diagnose()})`,
  });
  t.false(started(), 'start() was still busy with X when A crashed');
  t.is(statusOf(sup, 'X').state, 'starting');
  t.deepEqual(logs.of('actor.crash', 'A'), [], "A's crash waits in the queue behind start()");
  fs.writeFileSync(gate, '');
  await starting;

  await waitFor(() => logs.of('actor.crash', 'A').length === 1, { what: () => `the crash of A to be handled (${diagnose()})` });
  t.is(logs.of('actor.crash', 'A')[0]!.fields.reason, 'Error: once-fragile crashed');
  t.is(logs.of('actor.start', 'X').length, 1);

  await waitFor(() => logs.of('actor.start', 'A').length === 2, { what: () => `A to be restarted (${diagnose()})` });
  const atRestart = sent();
  await waitFor(() => sent() >= atRestart + 1000 && (statusOf(sup, 'A').counters.handled as number) > 0, {
    what: () => `P to send on to A's new incarnation (sent at A's restart: ${atRestart}; ${diagnose()})`,
  });
  t.like(statusOf(sup, 'P'), { state: 'running', restarts: 0 });
  t.like(statusOf(sup, 'A'), { state: 'running', restarts: 1 });
  t.deepEqual(logs.of('actor.crash').map((e) => e.fields.actor), ['A'], 'only A ever crashed');

  // P does not hold up shutdown: it stops by itself instead of being terminated after its
  // shutdownMs, and so does everyone else.
  const began = Date.now();
  t.deepEqual(await sup.shutdown(), { code: 0 });
  t.log(`shutdown took ${Date.now() - began} ms (P's shutdownMs is ${pShutdownMs})`);
  const stopped = logs.of('actor.stopped').slice(-3);
  t.deepEqual(
    stopped.map((e) => e.fields),
    [{ actor: 'X' }, { actor: 'P' }, { actor: 'A' }],
    'each stopped by itself, in reverse order (no timedOut, no error)',
  );
});
