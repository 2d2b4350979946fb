// The control sockets of a PostgreSQL warehouse's pipelines (CONTRACTS §4b, §5): one per pipeline
// in this user's runtime directory. `status` and `restart` find the ones that answer (a socket
// file left by a pipeline killed -9 is passed over); a runtime directory other users can reach is
// refused; a password in the URL is never shown, also when the URL is not a usable one.
import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { controlSocketPath } from '../../src/domain/identity.ts';
import { batchboard, collect, waitFor } from './helpers.ts';

const SCRIPT = fileURLToPath(new URL('../fixtures/run-supervisor.ts', import.meta.url));
const WAREHOUSE = 'postgres://someone:s3cret@127.0.0.1:5432/nowhere?schema=sockets';

function runtimeDir(t: import('ava').ExecutionContext, mode = 0o700): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bb-run-'));
  fs.chmodSync(dir, mode);
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('status and restart of a shared warehouse pass over a stale socket and reach the pipeline that answers', async (t) => {
  const dir = runtimeDir(t);
  const env = { ...process.env, XDG_RUNTIME_DIR: dir };
  // A pipeline killed -9 leaves its socket file behind, nobody listening.
  fs.writeFileSync(controlSocketPath(WAREHOUSE, 'gone', dir), '');
  const child = spawn(process.execPath, ['--import=tsx', SCRIPT, controlSocketPath(WAREHOUSE, 'alive', dir)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const ran = collect(child);
  t.teardown(() => void child.kill('SIGKILL'));
  await waitFor(async () => (await batchboard(['status', '--warehouse', WAREHOUSE, '--json'], env)).code === 0, 'the live pipeline to answer');

  const status = await batchboard(['status', '--warehouse', WAREHOUSE, '--json'], env);
  t.is(status.code, 0, status.stderr);
  const listed = JSON.parse(status.stdout) as { pipeline: string; actors: { name: string }[] }[];
  t.deepEqual(listed.map((p) => p.pipeline), ['alive']);
  t.deepEqual(listed[0]!.actors.map((a) => a.name).sort(), ['Consumer', 'Producer']);
  const restarted = await batchboard(['restart', 'Consumer', '--warehouse', WAREHOUSE], env);
  t.is(restarted.code, 0, restarted.stderr);
  t.regex(restarted.stdout, /^restarted Consumer in \d+ ms/);
  for (const r of [status, restarted]) t.false((r.stdout + r.stderr).includes('s3cret'));

  child.kill('SIGTERM');
  await ran;
  const none = await batchboard(['status', '--warehouse', WAREHOUSE], env);
  t.is(none.code, 2);
  t.regex(none.stderr, /no pipeline of postgres:\/\/127\.0\.0\.1:5432\/nowhere\?schema=sockets runs on this machine/);
  t.false(none.stderr.includes('s3cret'));
});

test('a runtime directory that other users can reach is refused, for status, restart and start', async (t) => {
  const dir = runtimeDir(t, 0o777);
  const env = { ...process.env, XDG_RUNTIME_DIR: dir };
  for (const args of [
    ['status', '--warehouse', WAREHOUSE],
    ['restart', 'LogTailer', '--warehouse', WAREHOUSE, '--pipeline', 'a'],
    ['start', '--api', 'http://127.0.0.1:9', '--students', '/nonexistent.db', '--log', '/nonexistent.log', '--warehouse', WAREHOUSE],
  ]) {
    const r = await batchboard(args, env);
    t.is(r.code, 2, `${args[0]}: ${r.stderr}`);
    t.regex(r.stderr, /control socket directory .* can be reached by other users \(mode 777\)/);
    t.is(r.stderr.trim().split('\n').length, 1);
  }
});

test('a password is not shown when the URL cannot be used (a bad port, a password= parameter)', async (t) => {
  const env = { ...process.env, XDG_RUNTIME_DIR: runtimeDir(t) };
  for (const url of ['postgres://someone:s3cret@127.0.0.1:99999/x', 'postgres://someone@127.0.0.1/x?password=s3cret', 'postgres://someone:s3#cret@127.0.0.1/x']) {
    for (const cmd of [['status'], ['top']]) {
      const r = await batchboard([...cmd, '--warehouse', url], env);
      t.is(r.code, 2, `${cmd[0]} ${url}: ${r.stderr}`);
      t.false(r.stdout.includes('s3') || r.stderr.includes('s3cret') || r.stderr.includes('cret@'), `${cmd[0]} ${url}: ${r.stderr}`);
    }
  }
});
