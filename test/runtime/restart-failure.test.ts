// Regression: a hot restart whose new incarnation failed to become ready was reported as a
// success (over the socket: ok, state 'starting'; `batchboard restart` exited 0). It is a failure
// now, in-process, over the control socket and from the CLI; the actor is then handled as
// crashed (backoff, restart).
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { ControlServer, controlRequest } from '../../src/runtime/index.ts';
import { FAST, captureLogger, fixture, runScript, startSupervisor, statusOf, tempDir, waitFor } from './helpers.ts';

const NOT_BACK = "actor 'A' was restarted but did not become ready: Error: create failed";
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/batchboard.mjs', import.meta.url));

async function tripping(t: import('ava').ExecutionContext) {
  const dir = tempDir(t);
  const trigger = path.join(dir, 'fail-next-create');
  const logs = captureLogger();
  const sup = await startSupervisor(
    t,
    { ...FAST, children: [{ name: 'A', module: fixture('create-trip'), args: { trigger } }, { name: 'B', module: fixture('tripwire') }] },
    logs.log,
  );
  return { dir, trigger, logs, sup };
}

test('Supervisor.restart rejects when the new incarnation fails in create(); the crash is then handled', async (t) => {
  const { trigger, logs, sup } = await tripping(t);
  const bThread = statusOf(sup, 'B').threadId;
  fs.writeFileSync(trigger, '');
  await t.throwsAsync(sup.restart('A'), { message: NOT_BACK });

  // Handled as A's crash: logged, backed off, started again (the trigger is gone by now).
  await waitFor(() => logs.of('actor.start', 'A').length === 2, { what: 'A to be started again after its backoff' });
  t.is(logs.of('actor.crash', 'A')[0]?.fields.reason, 'Error: create failed');
  t.is(logs.of('actor.backoff', 'A').length, 1);
  t.like(statusOf(sup, 'A'), { state: 'running', restarts: 2, lastError: 'Error: create failed' });
  t.is(statusOf(sup, 'B').threadId, bThread, 'B was not involved');

  // A restart that works is still a success.
  await t.notThrowsAsync(sup.restart('A'));
  t.like(statusOf(sup, 'A'), { state: 'running', restarts: 3 });
});

test('over the control socket, the failed restart is answered ok: false with the reason', async (t) => {
  const { dir, trigger, sup } = await tripping(t);
  const sock = path.join(dir, 'ctl.sock');
  const control = await ControlServer.listen(sock, sup);
  t.teardown(() => control.close());

  fs.writeFileSync(trigger, '');
  t.deepEqual(await controlRequest(sock, { cmd: 'restart', name: 'A' }), { ok: false, error: NOT_BACK });
  // And a good one is answered with the actor's status.
  await waitFor(() => statusOf(sup, 'A').state === 'running', { what: 'A running again' });
  t.like(await controlRequest(sock, { cmd: 'restart', name: 'A' }), { ok: true, result: { name: 'A', state: 'running' } });
});

test('`batchboard restart A --warehouse W` exits 1 with one line when A does not come back', async (t) => {
  const dir = tempDir(t);
  const warehouse = path.join(dir, 'w.db');
  const trigger = path.join(dir, 'fail-next-create');
  const opts = {
    ...FAST,
    controlSocket: `${warehouse}.sock`,
    children: [{ name: 'A', module: fixture('create-trip'), args: { trigger } }],
  };
  const sup = runScript(t, 'supervise', [JSON.stringify(opts)]);
  await waitFor(() => sup.logs().some((l) => l.event === 'actor.start') && fs.existsSync(`${warehouse}.sock`), {
    timeoutMs: 20_000,
    what: 'the supervisor process to start A and listen',
  });

  fs.writeFileSync(trigger, '');
  const cli = spawn(process.execPath, [BIN, 'restart', 'A', '--warehouse', warehouse], { cwd: ROOT });
  t.teardown(() => {
    if (cli.exitCode === null) cli.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  cli.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  cli.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => cli.once('close', (c) => resolve(c)));

  t.is(code, 1, `stdout: ${stdout}\nstderr: ${stderr}`);
  t.is(stderr, `batchboard: restart: ${NOT_BACK}\n`);
  t.is(stdout, '');

  sup.child.kill('SIGTERM');
  t.is((await sup.exited).code, 0);
});
