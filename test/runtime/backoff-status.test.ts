// Regression: while an actor waited in backoff, status showed it with empty counters and zero
// handled/heap, as if it had never run. It keeps the last figures of its last incarnation now,
// until a new incarnation reports its own.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { ControlServer, controlRequest, type ActorStatus } from '../../src/runtime/index.ts';
import { FAST, captureLogger, fixture, startSupervisor, statusOf, tempDir, waitFor } from './helpers.ts';

test('status keeps the last counters of an actor while it waits in backoff', async (t) => {
  const dir = tempDir(t);
  const trigger = path.join(dir, 'crash');
  const sock = path.join(dir, 'ctl.sock');
  const logs = captureLogger();
  const backoffMs = 3000;
  const sup = await startSupervisor(
    t,
    {
      ...FAST,
      backoff: { initialMs: backoffMs, maxMs: backoffMs, resetAfterMs: 10_000 },
      children: [{ name: 'X', module: fixture('ticker'), args: { everyMs: 20, trigger } }],
    },
    logs.log,
  );
  const control = await ControlServer.listen(sock, sup);
  t.teardown(() => control.close());

  // Counters reach the supervisor with the heartbeats. Enough ticks that the next incarnation's
  // own count is seen below them for a while (25 ticks of 20 ms, heartbeats every 50 ms).
  await waitFor(() => ((statusOf(sup, 'X').counters.ticks as number | undefined) ?? 0) >= 25, {
    what: () => `X's ticks in status (${JSON.stringify(statusOf(sup, 'X'))})`,
  });
  const seen = statusOf(sup, 'X').counters.ticks as number;

  fs.writeFileSync(trigger, '');
  await waitFor(() => statusOf(sup, 'X').state === 'backoff', { what: 'X to crash and wait in backoff' });
  const inBackoff = statusOf(sup, 'X');
  t.like(inBackoff, { state: 'backoff', threadId: null, restarts: 0, lastError: 'Error: ticker tripped', mailboxDepth: 0 });
  t.true((inBackoff.counters.ticks as number) >= seen, `counters in backoff: ${JSON.stringify(inBackoff.counters)}`);
  t.true(inBackoff.heapUsed > 0, 'the last heap figure is kept too');

  // The same over the control socket, and for as long as the backoff lasts (sampled).
  const res = await controlRequest(sock, { cmd: 'status' });
  t.true(res.ok);
  t.deepEqual((res as { ok: true; result: ActorStatus[] }).result[0]!.counters, inBackoff.counters);
  while (statusOf(sup, 'X').state === 'backoff') {
    t.deepEqual(statusOf(sup, 'X').counters, inBackoff.counters);
    await new Promise((r) => setTimeout(r, 100));
  }

  // The next incarnation reports its own figures, from zero.
  await waitFor(() => logs.of('actor.start', 'X').length === 2, { what: 'X to be restarted' });
  await waitFor(() => ((statusOf(sup, 'X').counters.ticks as number | undefined) ?? Infinity) < seen, {
    what: () => `the new incarnation's own ticks (${JSON.stringify(statusOf(sup, 'X'))})`,
  });
});
