// SIGTERM or SIGINT shuts the supervisor process down gracefully: actors stop in reverse start
// order, what was accepted is handled, the control socket goes and the exit code is 0. A second
// signal during a slow shutdown forces the exit (130); a stop that outlasts its shutdownMs is
// cut short and the shutdown goes on.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { controlRequest } from '../../src/runtime/index.ts';
import { FAST, captureLogger, fixture, readLines, runScript, startSupervisor, tempDir, waitFor, type ScriptRun } from './helpers.ts';

function started(run: ScriptRun, n: number, sock?: string): Promise<unknown> {
  return waitFor(
    () => run.logs().filter((l) => l.event === 'actor.start').length >= n && (sock === undefined || fs.existsSync(sock)),
    { timeoutMs: 90_000, what: `${n} actors started${sock ? ' and the control socket listening' : ''}` },
  );
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal}: actors stop in reverse order, nothing accepted is lost, socket removed, exit 0`, async (t) => {
    const dir = tempDir(t);
    const sock = path.join(dir, 'ctl.sock');
    const handledFile = path.join(dir, 'handled');
    const acceptedFile = path.join(dir, 'accepted');
    const opts = {
      ...FAST,
      controlSocket: sock,
      children: [
        { name: 'consumer', module: fixture('consumer'), args: { handledFile, delayMs: 1 }, mailboxCapacity: 16 },
        { name: 'producer', module: fixture('producer'), args: { to: 'consumer', acceptedFile } },
        { name: 'idle', module: fixture('tripwire') },
      ],
    };
    const run = runScript(t, 'supervise', [JSON.stringify(opts)]);
    await started(run, 3, sock);
    t.is(fs.statSync(sock).mode & 0o777, 0o600);
    const status = await controlRequest(sock, { cmd: 'status' });
    t.true(status.ok);
    await waitFor(() => readLines(handledFile).length >= 50, { what: 'messages flowing' });

    run.child.kill(signal);
    const { code, signal: killedBy } = await run.exited;
    t.is(killedBy, null);
    t.is(code, 0, `exit code; stderr:\n${run.stderrLines.join('\n')}`);

    const logs = run.logs();
    const signalled = logs.findIndex((l) => l.event === 'supervisor.signal');
    t.true(signalled >= 0);
    t.is(logs[signalled]!.signal, signal);
    const startOrder = logs.filter((l) => l.event === 'actor.start').map((l) => l.actor);
    t.deepEqual(startOrder, ['consumer', 'producer', 'idle']);
    const stops = logs.slice(signalled).filter((l) => l.event === 'actor.stopped');
    t.deepEqual(stops.map((l) => l.actor), [...startOrder].reverse());
    for (const s of stops) {
      t.is(s.timedOut, undefined, `${String(s.actor)} stopped within its shutdownMs`);
      t.is(s.error, undefined);
    }
    t.like(logs.at(-1), { event: 'supervisor.stopped', code: 0 });
    t.deepEqual(run.plainLines(), [], 'nothing but log lines on stderr');

    t.false(fs.existsSync(sock), 'the control socket file is removed');
    await t.throwsAsync(controlRequest(sock, { cmd: 'status' }), { message: /no running supervisor answers at/ });

    // The producer stopped first; the consumer drained its mailbox before stopping.
    const accepted = readLines(acceptedFile);
    const handled = readLines(handledFile);
    t.true(accepted.length >= 50);
    t.deepEqual(handled, accepted, 'every accepted message was handled, once, in order');
  });
}

test('a second signal during a slow shutdown forces the exit with 130', async (t) => {
  const dir = tempDir(t);
  const sock = path.join(dir, 'ctl.sock');
  const opts = {
    ...FAST,
    controlSocket: sock,
    children: [
      { name: 'first', module: fixture('tripwire') },
      { name: 'slow', module: fixture('slow-stop'), args: { stopMs: 60_000 }, shutdownMs: 90_000 },
    ],
  };
  const run = runScript(t, 'supervise', [JSON.stringify(opts)]);
  await started(run, 2, sock);

  run.child.kill('SIGTERM');
  await waitFor(() => run.logs().some((l) => l.event === 'slow-stop.begin'), { what: "the slow actor's stop to begin" });
  run.child.kill('SIGINT');
  const { code, signal } = await run.exited;
  t.is(signal, null);
  t.is(code, 130, `exit code; stderr:\n${run.stderrLines.join('\n')}`);
  const events = run.logs().map((l) => l.event);
  t.true(events.includes('supervisor.forced_exit'));
  t.is(run.logs().find((l) => l.event === 'supervisor.forced_exit')!.signal, 'SIGINT');
  t.false(events.includes('supervisor.stopped'), 'the graceful shutdown did not finish');

  // The socket file a forced exit leaves behind is stale: the next supervisor takes its place.
  t.true(fs.existsSync(sock));
  const next = runScript(t, 'supervise', [JSON.stringify({ ...opts, children: [opts.children[0]] })]);
  await started(next, 1, sock);
  const status = await controlRequest(sock, { cmd: 'status' });
  t.true(status.ok);
  next.child.kill('SIGTERM');
  t.is((await next.exited).code, 0);
  t.false(fs.existsSync(sock));
});

test('a stop that outlasts its shutdownMs is cut short and the shutdown goes on', async (t) => {
  const logs = captureLogger();
  const shutdownMs = 300;
  const sup = await startSupervisor(
    t,
    {
      ...FAST,
      children: [
        { name: 'first', module: fixture('tripwire') },
        { name: 'slow', module: fixture('slow-stop'), args: { stopMs: 30_000 }, shutdownMs },
        { name: 'last', module: fixture('tripwire') },
      ],
    },
    logs.log,
  );
  const began = Date.now();
  const exit = await sup.shutdown();
  const took = Date.now() - began;
  t.deepEqual(exit, { code: 0 });
  t.true(took >= shutdownMs, `shutdown took ${took} ms`);
  t.true(took < 30_000, `shutdown waited for the slow stop (${took} ms)`);
  t.deepEqual(
    logs.of('actor.stopped').map((e) => e.fields),
    [{ actor: 'last' }, { actor: 'slow', timedOut: true, shutdownMs }, { actor: 'first' }],
  );
  t.true(sup.status().every((s) => s.state === 'stopped' && s.threadId === null));
});

test('a producer listed before its consumer stops promptly; what it saw accepted is handled', async (t) => {
  const dir = tempDir(t);
  const handledFile = path.join(dir, 'handled');
  const acceptedFile = path.join(dir, 'accepted');
  const logs = captureLogger();
  const sup = await startSupervisor(
    t,
    {
      ...FAST,
      children: [
        // Reverse stop order stops the consumer first: the producer is left sending to nobody.
        { name: 'producer', module: fixture('producer'), args: { to: 'consumer', acceptedFile }, shutdownMs: 20_000 },
        { name: 'consumer', module: fixture('consumer'), args: { handledFile, delayMs: 1 }, mailboxCapacity: 16 },
      ],
    },
    logs.log,
  );
  await waitFor(() => readLines(handledFile).length >= 50, { what: 'messages flowing' });
  t.deepEqual(await sup.shutdown(), { code: 0 });
  t.deepEqual(
    logs.of('actor.stopped').map((e) => e.fields),
    [{ actor: 'consumer' }, { actor: 'producer' }],
    'both stopped by themselves, the producer without waiting out its shutdownMs',
  );
  t.deepEqual(logs.of('actor.crash'), []);
  t.deepEqual(readLines(handledFile), readLines(acceptedFile), 'every accepted message was handled, once, in order');
});
