// Past the restart intensity the supervisor gives up: it stops every other actor in reverse
// start order and the process exits 1 with one line naming the actor and its last error.
import test from 'ava';
import { FAST, fixture, runScript } from './helpers.ts';

test('too many crashes: orderly shutdown, exit 1, one clear message', async (t) => {
  const opts = {
    ...FAST,
    // A window wide enough for four crashes and three thread starts on a slow machine.
    intensity: { maxRestarts: 3, withinMs: 120_000 },
    children: [
      { name: 'first', module: fixture('tripwire') },
      { name: 'consumer', module: fixture('consumer') },
      { name: 'crasher', module: fixture('crasher'), args: { afterMs: 20, message: 'disk on fire' } },
      { name: 'last', module: fixture('tripwire') },
    ],
  };
  const run = runScript(t, 'supervise', [JSON.stringify(opts)]);
  const { code, signal } = await run.exited;
  const logs = run.logs();
  t.is(signal, null);
  t.is(code, 1, `exit code; stderr:\n${run.stderrLines.join('\n')}`);

  // One line for the user, naming the actor, the limit and the last error; no stack trace.
  t.deepEqual(run.plainLines(), [
    "batchboard: actor 'crasher' crashed more than 3 times within 120 s; the supervisor stopped everything. Last error: Error: disk on fire",
  ]);
  t.is(run.stdout(), '');

  const crashes = logs.filter((l) => l.event === 'actor.crash');
  t.deepEqual(
    crashes.map((c) => [c.actor, c.reason]),
    Array.from({ length: 4 }, () => ['crasher', 'Error: disk on fire']),
    'the 4th crash within the window is one too many',
  );
  t.is(logs.filter((l) => l.event === 'actor.restart').length, 3);

  // After the fatal decision: the others stop, last started first, none of them forced.
  const events = logs.map((l) => l.event);
  const fatal = events.indexOf('supervisor.fatal');
  t.true(fatal > 0, 'supervisor.fatal logged');
  t.is(logs[fatal]!.actor, 'crasher');
  const after = logs.slice(fatal + 1);
  t.deepEqual(
    after.map((l) => [l.event, l.actor ?? null]),
    [
      ['actor.stopped', 'last'],
      ['actor.stopped', 'consumer'],
      ['actor.stopped', 'first'],
      ['supervisor.stopped', null],
    ],
  );
  for (const l of after.filter((e) => e.event === 'actor.stopped')) t.is(l.timedOut, undefined, `${String(l.actor)} stopped in time`);
  t.is(logs.at(-1)!.code, 1);
  // Nothing was restarted after the decision.
  t.false(after.some((l) => l.event === 'actor.start' || l.event === 'actor.restart'));
});

test('giving up does not wait on a producer blocked sending to the crashed actor', async (t) => {
  const opts = {
    ...FAST,
    intensity: { maxRestarts: 2, withinMs: 120_000 },
    children: [
      { name: 'receiver', module: fixture('fragile'), args: { crashAt: 5, message: 'bad record' } },
      // Blocked in send() while the receiver is down; its shutdown timeout is long on purpose.
      { name: 'producer', module: fixture('producer'), args: { to: 'receiver' }, shutdownMs: 20_000 },
    ],
  };
  const run = runScript(t, 'supervise', [JSON.stringify(opts)]);
  const { code } = await run.exited;
  t.is(code, 1, `exit code; stderr:\n${run.stderrLines.join('\n')}`);
  t.deepEqual(run.plainLines(), [
    "batchboard: actor 'receiver' crashed more than 2 times within 120 s; the supervisor stopped everything. Last error: Error: bad record",
  ]);
  const logs = run.logs();
  const fatal = logs.findIndex((l) => l.event === 'supervisor.fatal');
  t.deepEqual(
    logs.slice(fatal + 1).map((l) => [l.event, l.actor ?? null, l.timedOut ?? null]),
    [
      ['actor.stopped', 'producer', null],
      ['supervisor.stopped', null, null],
    ],
    'the producer gave up its undeliverable send and stopped by itself',
  );
});
