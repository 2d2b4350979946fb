// Regression: under rest_for_one, a hot restart of a later actor B while an earlier actor A waits
// in backoff used to leave two incarnations of B: A's backoff restart started B again over the
// live one, and the first kept running (ticking) even after shutdown. One actor, one thread.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { FAST, captureLogger, fixture, startSupervisor, statusOf, tempDir, waitFor } from './helpers.ts';
import { recordIncarnations } from './runtime-spy.ts';

const TICK_MS = 50;

test('rest_for_one: a hot restart of B while A is in backoff leaves exactly one B thread', async (t) => {
  const dir = tempDir(t);
  const trigger = path.join(dir, 'crash-A');
  const incarnations = recordIncarnations(t);
  const logs = captureLogger();
  const backoffMs = 1500;
  const sup = await startSupervisor(
    t,
    {
      ...FAST,
      strategy: 'rest_for_one',
      // Long enough for the hot restart of B to finish while A still waits.
      backoff: { initialMs: backoffMs, maxMs: backoffMs, resetAfterMs: 10_000 },
      children: [
        { name: 'A', module: fixture('tripwire'), args: { trigger, message: 'A tripped' } },
        { name: 'B', module: fixture('ticker'), args: { everyMs: TICK_MS } },
      ],
    },
    logs.log,
  );
  const ticksFrom = () => new Set(logs.of('tick', 'B').map((e) => e.fields.threadId as number));
  const firstB = statusOf(sup, 'B').threadId;

  fs.writeFileSync(trigger, '');
  await waitFor(() => statusOf(sup, 'A').state === 'backoff', { what: 'A to crash and wait in backoff' });
  t.is(statusOf(sup, 'B').state, 'stopped', 'B was stopped with the group');

  await sup.restart('B');
  const hotB = statusOf(sup, 'B').threadId;
  t.is(statusOf(sup, 'A').state, 'backoff', 'the hot restart of B finished while A was still in backoff');
  t.not(hotB, firstB);

  // A's backoff ends: the group [A, B] is started again, which must replace the hot-restarted B.
  await waitFor(() => logs.of('actor.start', 'A').length === 2 && logs.of('actor.start', 'B').length === 3, {
    timeoutMs: 20_000,
    what: () => `A's backoff restart to start A and B again (events ${JSON.stringify(logs.entries.slice(-8))})`,
  });
  const lastB = statusOf(sup, 'B').threadId!;
  t.not(lastB, hotB);
  t.deepEqual(
    sup.status().map((s) => [s.name, s.state, s.restarts]),
    [
      ['A', 'running', 1],
      ['B', 'running', 2],
    ],
  );
  // The hot-restarted incarnation was stopped before its successor started.
  // (B's first incarnation was stopped with A's crash group; the hot restart found none running.)
  const stoppedB = logs.of('actor.stopped', 'B');
  t.is(stoppedB.length, 2, 'B stopped with the crash group, then the hot-restarted one for the backoff restart');
  t.true(stoppedB[1]!.at <= logs.of('actor.start', 'B')[2]!.at);

  // Sampled window: every tick from now on comes from the one B thread the status names.
  const mark = logs.entries.length;
  await waitFor(() => logs.entries.slice(mark).filter((e) => e.event === 'tick').length >= 10, {
    what: 'ten ticks of B after the restart',
  });
  const recent = logs.entries.slice(mark).filter((e) => e.event === 'tick');
  t.deepEqual([...new Set(recent.map((e) => e.fields.threadId))], [lastB], `ticks came from threads ${[...ticksFrom()].join(', ')}`);

  // Every incarnation of B the supervisor ever started, and only those, ticked: the first, the
  // hot-restarted one, and the one A's backoff restart started.
  const bThreads = incarnations.filter((i) => i.spec.name === 'B').map((i) => i.threadId);
  t.is(bThreads.length, 3, `B incarnations on threads ${bThreads.join(', ')}`);
  t.deepEqual(bThreads, [firstB, hotB, lastB]);
  t.true([...ticksFrom()].every((id) => bThreads.includes(id)), `ticks came from threads ${[...ticksFrom()].join(', ')}`);
  // Before shutdown, only the last one still has a thread.
  t.deepEqual(
    incarnations.filter((i) => !i.exited).map((i) => `${i.spec.name}:${i.threadId}`),
    [`A:${statusOf(sup, 'A').threadId}`, `B:${lastB}`],
    'threads alive before shutdown',
  );

  // Shutdown is prompt: each actor stops by itself, none is terminated after its shutdownMs.
  const began = Date.now();
  t.deepEqual(await sup.shutdown(), { code: 0 });
  t.log(`shutdown took ${Date.now() - began} ms`);
  const stops = logs.entries.slice(logs.entries.findIndex((e) => e.event === 'supervisor.shutdown'));
  t.deepEqual(
    stops.filter((e) => e.event === 'actor.stopped').map((e) => e.fields),
    [{ actor: 'B' }, { actor: 'A' }],
    'stopped in reverse order, each by itself (no timedOut, no error)',
  );
  // And it leaves no thread running: every incarnation ever started has exited, so none can tick.
  t.deepEqual(
    incarnations.filter((i) => !i.exited).map((i) => `${i.spec.name}:${i.threadId}`),
    [],
    'threads still alive after shutdown',
  );
  t.true(sup.status().every((s) => s.state === 'stopped' && s.threadId === null));
});
