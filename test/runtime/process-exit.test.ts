// Regressions in how a supervisor process ends on a signal:
//  - an idle control client kept the process alive after SIGTERM (close() waited for it);
//  - SIGTERM while an actor was still starting waited out that actor's start (up to its
//    startTimeoutMs) before anything stopped;
//  - a second signal forced the exit with 130 whatever the signal; it is 128 + its number now
//    (SIGTERM: 143; the SIGINT case, 130, is in shutdown.test.ts).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import test from 'ava';
import { FAST, fixture, runScript, tempDir, waitFor, type ScriptRun } from './helpers.ts';

/** The exit of `run`, or an error naming how long it has been running since `since`. */
async function exitWithin(run: ScriptRun, ms: number, since = Date.now()) {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`still running ${ms} ms after the signal; stderr:\n${run.stderrLines.join('\n')}`)),
      ms,
    );
  });
  try {
    const exit = await Promise.race([run.exited, late]);
    return { ...exit, tookMs: Date.now() - since };
  } finally {
    clearTimeout(timer);
  }
}

function connect(sock: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(sock);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

test('SIGTERM with idle control clients connected: exit 0 promptly, their connections closed', async (t) => {
  const sock = path.join(tempDir(t), 'ctl.sock');
  const run = runScript(t, 'run-supervisor', [sock]);
  await waitFor(() => run.logs().filter((l) => l.event === 'actor.start').length === 2 && fs.existsSync(sock), {
    timeoutMs: 20_000,
    what: 'the supervisor process to start both actors and listen',
  });
  // One client says nothing; another has sent half a request.
  const idle = await connect(sock);
  const partial = await connect(sock);
  partial.write('{"cmd":"sta');
  const closed = [idle, partial].map(
    (s) =>
      new Promise<number>((resolve) => {
        s.on('error', () => {});
        s.resume();
        s.once('close', () => resolve(Date.now()));
      }),
  );
  t.teardown(() => {
    idle.destroy();
    partial.destroy();
  });

  const signalledAt = Date.now();
  run.child.kill('SIGTERM');
  const { code, signal, tookMs } = await exitWithin(run, 10_000, signalledAt);
  t.is(signal, null);
  t.is(code, 0, `exit code; stderr:\n${run.stderrLines.join('\n')}`);
  t.true(tookMs < 5000, `exited ${tookMs} ms after SIGTERM`);
  t.like(run.logs().at(-1), { event: 'supervisor.stopped', code: 0 });
  // The server ended the connections: both clients saw them close, without destroying them.
  const closedAt = await Promise.all(closed);
  for (const at of closedAt) t.true(at - signalledAt < 5000);
  t.false(fs.existsSync(sock), 'the socket file is removed');
});

test('SIGTERM while an actor is still in create(): exit 0 within seconds, not after its start', async (t) => {
  const createMs = 8000;
  const opts = {
    ...FAST,
    children: [
      { name: 'Quick', module: fixture('tripwire'), shutdownMs: 1000 },
      { name: 'Slow', module: fixture('slow-create'), args: { createMs }, startTimeoutMs: 10_000, shutdownMs: 1000 },
    ],
  };
  const run = runScript(t, 'supervise', [JSON.stringify(opts)]);
  await waitFor(() => run.logs().some((l) => l.event === 'slow-create.begin'), {
    timeoutMs: 20_000,
    what: "Slow's create() to begin",
  });

  const signalledAt = Date.now();
  run.child.kill('SIGTERM');
  const { code, signal, tookMs } = await exitWithin(run, createMs + 5000, signalledAt);
  t.is(signal, null);
  t.is(code, 0, `exit code; stderr:\n${run.stderrLines.join('\n')}`);
  t.true(tookMs < 4000, `exited ${tookMs} ms after SIGTERM; Slow's create() takes ${createMs} ms`);

  const logs = run.logs();
  t.false(logs.some((l) => l.event === 'actor.start' && l.actor === 'Slow'), 'Slow never became ready');
  t.deepEqual(
    logs.filter((l) => l.event === 'actor.stopped').map((l) => [l.actor, l.error]),
    [
      ['Slow', "RuntimeError: actor 'Slow' was still starting when the supervisor shut down"],
      ['Quick', undefined],
    ],
  );
  t.false(logs.some((l) => l.event === 'actor.crash'));
  t.like(logs.at(-1), { event: 'supervisor.stopped', code: 0 });
  t.deepEqual(run.plainLines(), [], 'nothing but log lines on stderr');
});

test('a second SIGTERM during a slow shutdown forces the exit with 143 (128 + 15)', async (t) => {
  const opts = {
    ...FAST,
    children: [
      { name: 'first', module: fixture('tripwire') },
      { name: 'slow', module: fixture('slow-stop'), args: { stopMs: 60_000 }, shutdownMs: 90_000 },
    ],
  };
  const run = runScript(t, 'supervise', [JSON.stringify(opts)]);
  await waitFor(() => run.logs().filter((l) => l.event === 'actor.start').length === 2, {
    timeoutMs: 20_000,
    what: 'both actors to start',
  });

  run.child.kill('SIGTERM');
  await waitFor(() => run.logs().some((l) => l.event === 'slow-stop.begin'), { what: "the slow actor's stop to begin" });
  run.child.kill('SIGTERM');
  const { code, signal } = await exitWithin(run, 10_000);
  t.is(signal, null);
  t.is(code, 143, `exit code; stderr:\n${run.stderrLines.join('\n')}`);
  const forced = run.logs().filter((l) => l.event === 'supervisor.forced_exit');
  t.is(forced.length, 1);
  t.is(forced[0]!.signal, 'SIGTERM');
  t.false(run.logs().some((l) => l.event === 'supervisor.stopped'), 'the graceful shutdown did not finish');
});
