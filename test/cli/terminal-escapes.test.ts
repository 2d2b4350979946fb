// Text from the sources never reaches the operator's terminal as control characters: batch names
// in `top`, an API's error body in `status` (and in the JSON log lines on stderr) show C0, C1 and
// bidirectional characters as visible escapes; `--json` escapes C1 and bidi characters as well.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import test from 'ava';
import { batchboard, ROOT } from './helpers.ts';
import { json, page, scriptedServer } from '../sources/batches-api-server.ts';
import { startSim, tempDir } from '../simulator/helpers.ts';
import { waitFor } from '../wait.ts';
import type { ActorStatus } from '../../src/runtime/index.ts';

const BIN = join(ROOT, 'bin/batchboard.mjs');
const HOSTILE = [
  '\u001b[2J\u001b[H\u001b[31mPWNED',
  'forged\n 1  999  fake-row\r',
  '\u001b]0;owned title\u0007bell',
  'c1-\u009b31m-csi',
  'bidi-\u202egnp.exe',
];
// Any raw control or bidi character a terminal would act on.
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const at = '2024-03-02T10:00:00.000Z';

test('top, status and the log lines show control characters from the sources as escapes', async (t) => {
  const sim = await startSim(t, { history: { batches: 0, students: 0, testRuns: 0 } });
  const batches = HOSTILE.map((name, i) => ({ id: i + 1, name, start_date: null, created_at: at }));
  const body = '\u001b]0;pwned\u0007\u001b[2Jcleared \u009b31m \u202eevil';
  // The pre-flight check and the first poll get the batches; every later poll a 400 with a hostile body.
  const api = await scriptedServer(t, [page(batches), page(batches), json(400, body)]);
  const warehouse = join(tempDir(t), 'w.db');
  const child = spawn(process.execPath, [BIN, 'start', '--api', api.url, '--students', sim.studentsPath, '--log', sim.logPath, '--warehouse', warehouse, '--api-poll-ms', '50'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  t.teardown(() => child.kill('SIGKILL'));

  const status = async (): Promise<ActorStatus[]> => JSON.parse((await batchboard(['status', '--warehouse', warehouse, '--json'])).stdout) as ActorStatus[];
  await waitFor(async () => {
    const fetcher = (await status().catch(() => [])).find((a) => a.name === 'BatchFetcher');
    return String(fetcher?.counters['last_error'] ?? '').includes('cleared');
  }, { what: 'the BatchFetcher to report the 400', timeoutMs: 30_000, intervalMs: 100 });

  const top = await batchboard(['top', '--warehouse', warehouse]);
  t.is(top.code, 0, top.stderr);
  t.false(RAW.test(top.stdout), `no raw control characters in top: ${JSON.stringify(top.stdout)}`);
  t.is(top.stdout.trimEnd().split('\n').length, 1 + HOSTILE.length, 'one line per batch, none forged');
  for (const shown of ['\\x1b[2J\\x1b[H\\x1b[31mPWNED', 'forged\\x0a 1  999  fake-row\\x0d', '\\x1b]0;owned title\\x07bell', 'c1-\\x9b31m-csi', 'bidi-\\u202egnp.exe']) {
    t.true(top.stdout.includes(shown), `top shows ${shown}: ${top.stdout}`);
  }
  const topJson = await batchboard(['top', '--warehouse', warehouse, '--json']);
  t.false(RAW.test(topJson.stdout), JSON.stringify(topJson.stdout));
  t.deepEqual((JSON.parse(topJson.stdout) as { name: string }[]).map((r) => r.name).sort(), [...HOSTILE].sort(), 'the JSON still says the names exactly');

  const table = await batchboard(['status', '--warehouse', warehouse]);
  t.is(table.code, 0, table.stderr);
  t.false(RAW.test(table.stdout), JSON.stringify(table.stdout));
  t.true(table.stdout.includes('\\x1b]0;pwned\\x07\\x1b[2Jcleared \\x9b31m \\u202eevil'), table.stdout);
  const statusJson = await batchboard(['status', '--warehouse', warehouse, '--json']);
  t.false(RAW.test(statusJson.stdout), JSON.stringify(statusJson.stdout));

  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  t.true(stderr.includes('batches.poll_failed'), 'the failed poll was logged');
  t.false(RAW.test(stderr.replaceAll('\n', '')), `no raw control characters in the log lines: ${JSON.stringify(stderr.slice(0, 2000))}`);
});
