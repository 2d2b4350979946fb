// Regression: a receiver A that crashed while the supervisor's operation queue was busy (here:
// start() waiting on an actor that never becomes ready) still looked 'running' until its crash
// was handled, and its producer's reconnect was wired to the dead thread: the producer never sent
// again, not even to A's next incarnation, and held up shutdown for its whole shutdownMs.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { FAST, captureLogger, fixture, statusOf, tempDir, waitFor } from './helpers.ts';
import { Supervisor } from '../../src/runtime/index.ts';

test('a producer keeps sending after its receiver crashed while the supervisor was busy starting another actor', async (t) => {
  const dir = tempDir(t);
  const trigger = path.join(dir, 'crash-A');
  fs.writeFileSync(trigger, ''); // A crashes on its first message, once
  const logs = captureLogger();
  const pShutdownMs = 10_000;
  const sup = new Supervisor(
    {
      ...FAST,
      children: [
        { name: 'A', module: fixture('once-fragile'), args: { trigger } },
        { name: 'P', module: fixture('producer'), args: { to: 'A', publishEvery: 64 }, shutdownMs: pShutdownMs },
        // Holds the operation queue for its start timeout, while A crashes.
        { name: 'X', module: fixture('never-ready'), startTimeoutMs: 1500, restart: 'temporary' },
      ],
    },
    logs.log,
  );
  t.teardown(async () => {
    await sup.shutdown();
  });
  await sup.start();
  const sent = () => (statusOf(sup, 'P').counters.sent as number | undefined) ?? 0;
  const diagnose = () => `status ${JSON.stringify(sup.status())}; events ${JSON.stringify(logs.entries.slice(-10))}`;

  // start() waited out X's start timeout; A crashed meanwhile, its crash handled only after.
  const startedAt = Date.now();
  await waitFor(() => logs.of('actor.crash', 'A').length === 1 && logs.of('actor.crash', 'X').length === 1, {
    what: () => `the crashes of A and X to be handled (${diagnose()})`,
  });
  t.is(logs.of('actor.crash', 'A')[0]!.fields.reason, 'Error: once-fragile crashed');
  t.regex(String(logs.of('actor.crash', 'X')[0]!.fields.reason), /did not become ready within 1500 ms/);
  t.true(startedAt - logs.of('actor.start', 'P')[0]!.at >= 1000, 'start() was busy with X while A crashed');

  await waitFor(() => logs.of('actor.start', 'A').length === 2, { what: () => `A to be restarted (${diagnose()})` });
  const atRestart = sent();
  await waitFor(() => sent() >= atRestart + 1000 && (statusOf(sup, 'A').counters.handled as number) > 0, {
    what: () => `P to send on to A's new incarnation (sent at A's restart: ${atRestart}; ${diagnose()})`,
  });
  t.like(statusOf(sup, 'P'), { state: 'running', restarts: 0 });
  t.deepEqual(logs.of('actor.crash', 'P'), []);

  const began = Date.now();
  t.deepEqual(await sup.shutdown(), { code: 0 });
  const took = Date.now() - began;
  t.true(took < 3000, `shutdown took ${took} ms (P's shutdownMs is ${pShutdownMs})`);
  t.falsy(logs.of('actor.stopped', 'P')[0]?.fields.timedOut, 'P stopped by itself');
});
