// The parallel scan of the log (rebuild's path) finds exactly what the plain one-thread reading
// finds (readWholeLog): the same completions with the same earliest times, valid runs, rejected lines under the same keys, the
// same offset; with range boundaries everywhere: inside long lines, inside multi-byte characters,
// on \r\n, in rotated plain and compressed files.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import test from 'ava';
import { scanLog } from '../../src/batch/scan/scan.ts';
import { triplesOf } from '../../src/domain/pair-times.ts';
import { readWholeLog } from '../../src/sources/log/whole.ts';

function tempLog(t: import('ava').ExecutionContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bb-scan-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'test_runs.log');
}

/** Lines of every kind, deterministic: canonical, spaced, reordered keys, non-ASCII ids, \r\n, blank, bad, 70 KB long. */
function lines(seed: number, n: number): string {
  let x = seed;
  const rnd = (k: number) => ((x = (x * 1103515245 + 12345) % 2 ** 31), x % k);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const s = rnd(300);
    const l = rnd(40);
    const pass = rnd(4);
    const fail = rnd(3) === 0 ? 1 : 0;
    // Times vary to the millisecond, so that a pair's earliest run is rarely its first.
    const at = `2024-03-${String(1 + rnd(28)).padStart(2, '0')}T${String(rnd(24)).padStart(2, '0')}:${String(rnd(60)).padStart(2, '0')}:07.${String(rnd(1000)).padStart(3, '0')}Z`;
    switch (rnd(12)) {
      case 0:
        out.push(`{"student_id": ${s}, "id": "tr-é-${seed}-${i}", "lesson_id": ${l}, "created_at": "${at}", "failure_count": ${fail}, "passing_count": ${pass}}`);
        break;
      case 1:
        out.push(`{"id":"tr-${seed}-${i}","student_id":${s},"lesson_id":${l},"passing_count":${pass},"failure_count":${fail},"created_at":"${at}"}\r`);
        break;
      case 2:
        out.push('');
        break;
      case 3:
        out.push(`not json ${'ü'.repeat(rnd(5))} ${i}`);
        break;
      case 4:
        out.push(rnd(4) === 0 ? `{"id": "long-${i}", "pad": "${'€'.repeat(24_000)}"}` : `{"id": "x-${i}", "student_id": -1}`);
        break;
      default:
        out.push(`{"id": "tr-${seed}-${i}", "student_id": ${s}, "lesson_id": ${l}, "passing_count": ${pass}, "failure_count": ${fail}, "created_at": "${at}"}`);
    }
  }
  return out.join('\n') + '\n';
}

async function same(t: import('ava').ExecutionContext, log: string, rangeBytes: number) {
  const whole = await readWholeLog(log);
  const par = await scanLog(log, { rangeBytes, threads: 2 });
  const key = (p: ArrayLike<number>) => {
    const out: string[] = [];
    for (let i = 0; i < p.length; i += 3) out.push(`${p[i]},${p[i + 1]}`);
    return out.sort();
  };
  const timed = (p: ArrayLike<number>) => {
    const out: string[] = [];
    for (let i = 0; i < p.length; i += 3) out.push(`${p[i]},${p[i + 1]}@${new Date(p[i + 2]!).toISOString()}`);
    return out.sort();
  };
  t.deepEqual(key(triplesOf(par)), key(whole.completions), `completions, ranges of ${rangeBytes} bytes`);
  t.deepEqual(timed(triplesOf(par)), timed(whole.completions), `completions with their earliest times, ranges of ${rangeBytes} bytes`);
  t.is(par.keys.length, par.times.length);
  t.deepEqual([...triplesOf(par)], [...whole.completions], 'the same triples in the same order (ascending by student, lesson)');
  t.is(par.runs, whole.runs, `runs, ranges of ${rangeBytes} bytes`);
  t.deepEqual(par.rejected.map((r) => r.key).sort(), whole.rejected.map((r) => r.key).sort(), `rejected keys, ranges of ${rangeBytes} bytes`);
  t.deepEqual(par.offset, whole.offset, `offset, ranges of ${rangeBytes} bytes`);
}

test('range boundaries anywhere: the same as the plain reading', async (t) => {
  const log = tempLog(t);
  // A last line without its \n: not read in PATH (it may be completed later).
  fs.writeFileSync(log, lines(1, 3_000) + '{"id": "half-writ');
  t.true(fs.statSync(log).size > 300_000);
  for (const rangeBytes of [3_001, 10_007, 65_537, 1 << 20]) await same(t, log, rangeBytes);
});

test('rotated plain and compressed files, oldest first: the same as the plain reading', async (t) => {
  const log = tempLog(t);
  fs.writeFileSync(`${log}.3.gz`, gzipSync(lines(3, 800)));
  // A compressed file whose last line lacks its \n: rejected as incomplete, as the LogTailer does.
  fs.writeFileSync(`${log}.2.gz`, gzipSync(lines(2, 800) + '{"id": "cut'));
  fs.writeFileSync(`${log}.1`, lines(4, 900) + '{"id": "cut too');
  fs.writeFileSync(log, lines(5, 900));
  for (const rangeBytes of [7_001, 1 << 20]) await same(t, log, rangeBytes);
  const par = await scanLog(log, { rangeBytes: 9_001 });
  t.true(par.rejected.some((r) => r.reason.startsWith('incomplete last line')), 'the cut lines are rejected');
});

test('from a stored offset: only what follows it, in that file and the newer ones', async (t) => {
  const log = tempLog(t);
  fs.writeFileSync(`${log}.1`, lines(6, 500));
  fs.writeFileSync(log, lines(7, 500));
  // An offset in the middle of PATH.1, at a line start.
  const text = fs.readFileSync(`${log}.1`, 'utf8');
  const pos = Buffer.byteLength(text.slice(0, text.indexOf('\n', text.length / 2) + 1));
  const st = fs.statSync(`${log}.1`);
  const from = { dev: st.dev, ino: st.ino, pos, head: fs.readFileSync(`${log}.1`).subarray(0, 64).toString('base64') };
  const rest = await scanLog(log, { from, rangeBytes: 20_000 });
  // The same as the plain reading of a log made of what follows the offset.
  const only = path.join(path.dirname(log), 'only', 'test_runs.log');
  fs.mkdirSync(path.dirname(only));
  fs.writeFileSync(`${only}.1`, fs.readFileSync(`${log}.1`).subarray(pos));
  fs.copyFileSync(log, only);
  const whole = await readWholeLog(only);
  t.is(rest.runs, whole.runs);
  t.deepEqual([...triplesOf(rest)], [...whole.completions], 'the same completions with the same times');
  t.deepEqual(rest.offset?.pos, whole.offset?.pos, 'the same end of PATH');
});
