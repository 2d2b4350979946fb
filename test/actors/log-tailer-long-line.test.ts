// A line over 64 KiB is bad (CONTRACTS §3; its bytes without the terminator). The limit is exact
// (65,536 bytes is a valid line, with \n or \r\n; 65,537 is not), and a 10 MB line arriving in
// pieces is rejected once its \n comes, with its first 4096 characters as raw, while the lines
// after it are read on.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { tempDir } from '../runtime/helpers.ts';
import { holdsFor } from '../simulator/helpers.ts';
import { waitFor } from '../wait.ts';
import { startTailer } from '../fixtures/log-tailer-harness.ts';

const TS = '2024-06-01T00:00:00.000Z';

/** A valid run of exactly `bytes` bytes (without terminator), padded in an extra key or in its id. */
function runOf(bytes: number, student: number, how: 'extra-key' | 'long-id'): string {
  const make = (pad: string) =>
    how === 'extra-key'
      ? `{"id": "tr-${student}", "pad": "${pad}", "student_id": ${student}, "lesson_id": 1, "passing_count": 3, "failure_count": 0, "created_at": "${TS}"}`
      : `{"id": "tr-${student}-${pad}", "student_id": ${student}, "lesson_id": 1, "passing_count": 3, "failure_count": 0, "created_at": "${TS}"}`;
  const line = make('x'.repeat(bytes - make('').length));
  if (Buffer.byteLength(line) !== bytes) throw new Error('bad padding');
  return line;
}

test('the 64 KiB limit is exact, for the general and the canonical path', async (t) => {
  const dir = tempDir(t, 'bb-lt-');
  const log = path.join(dir, 'test_runs.log');
  fs.writeFileSync(
    log,
    [
      runOf(65_536, 1, 'extra-key') + '\n',
      runOf(65_536, 2, 'extra-key') + '\r\n',
      runOf(65_536, 3, 'long-id') + '\n',
      runOf(65_537, 4, 'extra-key') + '\n',
      runOf(65_537, 5, 'long-id') + '\n',
      runOf(65_537, 6, 'extra-key') + '\r\n',
    ].join(''),
  );
  const run = await startTailer(t, log);
  await run.caughtUp(log);
  t.deepEqual([...run.pairs()].sort(), ['1:1', '2:1', '3:1']);
  t.deepEqual([...run.times().values()], Array(3).fill(Date.parse(TS)), 'with their created_at');
  t.is(run.runs(), 3);
  t.deepEqual(run.rejected().map((r) => r.reason), Array(3).fill('line over 65536 bytes'));
});

test('a 10 MB line arriving in pieces is rejected once complete, and reading goes on', async (t) => {
  const dir = tempDir(t, 'bb-lt-');
  const log = path.join(dir, 'test_runs.log');
  const before = runOf(150, 1, 'extra-key') + '\n';
  fs.writeFileSync(log, before);
  const run = await startTailer(t, log, { maxBatchBytes: 256 * 1024 });
  await run.caughtUp(log);

  const MB = 1024 * 1024;
  fs.appendFileSync(log, '{"id": "tr-huge", "output": "');
  for (let i = 0; i < 10; i++) {
    fs.appendFileSync(log, 'y'.repeat(MB));
    // The offset stays at the long line's start: a restart would read it again from there.
    t.true(await holdsFor(() => run.offset()?.pos === Buffer.byteLength(before) && run.rejected().length === 0, 30));
  }
  fs.appendFileSync(log, '"}\n' + runOf(150, 2, 'long-id') + '\n');
  await run.caughtUp(log, 'the long line and the one after it');
  const rejected = run.rejected();
  t.is(rejected.length, 1);
  const chars = 10 * MB + '{"id": "tr-huge", "output": ""}'.length;
  t.is(rejected[0]!.reason, 'line over 65536 bytes');
  t.is(rejected[0]!.raw, ('{"id": "tr-huge", "output": "' + 'y'.repeat(4096)).slice(0, 4096) + `…(${chars} chars)`);
  t.deepEqual([...run.pairs()].sort(), ['1:1', '2:1']);
  t.deepEqual([...run.times().values()], Array(2).fill(Date.parse(TS)), 'with their created_at');
  t.is(run.runs(), 2);
  await waitFor(() => run.counters().rejected === 1, { what: 'the rejected counter' });
});
