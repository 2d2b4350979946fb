// `batchboard status` and `batchboard restart` find a running supervisor from the warehouse path.
import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { batchboard, collect, waitFor } from './helpers.ts';

const SCRIPT = fileURLToPath(new URL('../fixtures/run-supervisor.ts', import.meta.url));

test('status and restart reach the supervisor of a warehouse through the socket beside it', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bb-cli-'));
  const warehouse = path.join(dir, 'warehouse.db');
  const socket = `${warehouse}.sock`;
  const child = spawn(process.execPath, ['--import=tsx', SCRIPT, socket], { stdio: ['ignore', 'pipe', 'pipe'] });
  const ran = collect(child);
  t.teardown(() => {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  await waitFor(async () => {
    const r = await batchboard(['status', '--warehouse', warehouse, '--json']);
    if (r.code !== 0) return false;
    const actors = JSON.parse(r.stdout) as Array<{ state: string }>;
    return actors.every((a) => a.state === 'running');
  }, 'both actors running');
  t.is(fs.statSync(socket).mode & 0o777, 0o600);

  const table = await batchboard(['status', '--warehouse', warehouse]);
  t.is(table.code, 0);
  t.regex(table.stdout, /^actor\s+state\s+thread\s+restarts\s+mailbox/m);
  t.regex(table.stdout, /^Consumer\s+running\s+\d+\s+0\s+\d+\/1024/m);
  t.regex(table.stdout, /^Producer\s+running/m);

  const before = JSON.parse((await batchboard(['status', '--warehouse', warehouse, '--json'])).stdout);
  const restarted = await batchboard(['restart', 'Consumer', '--warehouse', warehouse]);
  t.is(restarted.code, 0, restarted.stderr);
  t.regex(restarted.stdout, /^restarted Consumer in \d+ ms/);
  const after = JSON.parse((await batchboard(['status', '--warehouse', warehouse, '--json'])).stdout);
  t.not(after[0].threadId, before[0].threadId);
  t.is(after[0].restarts, 1);
  t.is(after[1].threadId, before[1].threadId, 'the producer kept running');

  const unknown = await batchboard(['restart', 'Nobody', '--warehouse', warehouse]);
  t.is(unknown.code, 1);
  t.regex(unknown.stderr, /no actor named 'Nobody' \(actors: Consumer, Producer\)/);

  child.kill('SIGTERM');
  const end = await ran;
  t.is(end.code, 0, end.stderr);
  t.false(fs.existsSync(socket), 'the socket is removed on shutdown');
});
