// `readWholeLog` (what `rebuild` and `verify` read) and `listLog` over plain and compressed rotated
// files (real gzip): every file once, oldest first, a .gz decompressed; a PATH.N being compressed
// (PATH.N and PATH.N.gz both there) read once, from the plain one.
import { mkdtempSync, renameSync, rmSync, statSync, truncateSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { readWholeLog } from '../../src/sources/log/whole.ts';
import { listLog } from '../../src/sources/log/files.ts';
import { SourceError } from '../../src/sources/errors.ts';
import { waitFor } from '../wait.ts';
import { follow, gzip, lineMs, lines, range, sorted } from '../fixtures/log-files.ts';
import { studentsOf } from '../triples.ts';

function setup(t: import('ava').ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'bb-gzw-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'test_runs.log');
}

const students = (triples: Float64Array): number[] => sorted(studentsOf(triples));

/** Students whose completion (lesson 1) has another time than their line's created_at; [] when all are right. */
const mistimed = (triples: Float64Array): number[] => {
  const out: number[] = [];
  for (let i = 0; i < triples.length; i += 3) if (triples[i + 1] !== 1 || triples[i + 2] !== lineMs(triples[i]!)) out.push(triples[i]!);
  return out;
};

/** PATH.4.gz … PATH.1, PATH: logrotate's compress + delaycompress after four rotations. */
function rotatedLog(P: string): void {
  for (let k = 4; k >= 2; k--) {
    writeFileSync(`${P}.${k}`, lines(1000 * (5 - k), 1000 * (5 - k) + 700));
    gzip(`${P}.${k}`);
  }
  writeFileSync(`${P}.1`, lines(4000, 4700));
  writeFileSync(P, lines(5000, 5010));
}

test('listLog lists PATH.N.gz with the plain files, oldest first, flagged gz', (t) => {
  const P = setup(t);
  rotatedLog(P);
  writeFileSync(`${P}.x.gz`, ''); // not a rotated file of PATH
  writeFileSync(`${P}.0`, '');
  t.deepEqual(
    listLog(P).map((f) => [f.path.slice(P.length), f.gz, f.size === statSync(f.path).size]),
    [['.4.gz', true, true], ['.3.gz', true, true], ['.2.gz', true, true], ['.1', false, true], ['', false, true]],
  );
});

test('listLog: a PATH.N being compressed (PATH.N.gz being written, PATH.N still there) is the plain one, once', (t) => {
  const P = setup(t);
  writeFileSync(`${P}.2`, lines(0, 100));
  copyFileSync(`${P}.2`, `${P}.2.tmp`);
  gzip(`${P}.2.tmp`);
  renameSync(`${P}.2.tmp.gz`, `${P}.2.gz`);
  truncateSync(`${P}.2.gz`, 30); // half written
  writeFileSync(P, lines(100, 110));
  t.deepEqual(listLog(P).map((f) => [f.path.slice(P.length), f.gz]), [['.2', false], ['', false]]);
});

test('readWholeLog reads the .gz rotated files too, each once, oldest first, and ends at PATH', async (t) => {
  const P = setup(t);
  rotatedLog(P);
  const whole = await readWholeLog(P);
  const expected = [...range(1000, 1700), ...range(2000, 2700), ...range(3000, 3700), ...range(4000, 4700), ...range(5000, 5010)];
  t.deepEqual(students(whole.completions), expected);
  t.deepEqual(mistimed(whole.completions), [], 'each completion with its line\'s created_at');
  t.is(whole.runs, expected.length);
  t.deepEqual(whole.rejected, []);
  t.like(whole.offset, { ino: statSync(P).ino, pos: statSync(P).size });
});

test('readWholeLog: bad lines and an incomplete last line inside a .gz are rejected as in a plain file', async (t) => {
  const P = setup(t);
  writeFileSync(`${P}.1`, lines(0, 10) + 'not json\n' + lines(10, 20) + '{"id": "tr-cut", "student_id": 1, "less');
  const plain = await readWholeLog(P);
  gzip(`${P}.1`);
  const gz = await readWholeLog(P);
  t.deepEqual(students(gz.completions), range(0, 20));
  t.deepEqual(mistimed(gz.completions), []);
  t.is(gz.runs, 20);
  t.deepEqual(gz.rejected.map((r) => r.reason), plain.rejected.map((r) => r.reason));
  t.is(gz.rejected.length, 2);
  t.is(gz.offset, null, 'no PATH: no offset');
});

test('readWholeLog: a .gz that does not decompress is a SourceError naming it', async (t) => {
  const P = setup(t);
  writeFileSync(`${P}.2`, lines(0, 3000));
  gzip(`${P}.2`);
  truncateSync(`${P}.2.gz`, Math.floor(statSync(`${P}.2.gz`).size / 2));
  writeFileSync(P, lines(3000, 3010));
  const err = await t.throwsAsync(readWholeLog(P), { instanceOf: SourceError });
  t.regex(err!.message, /test_runs\.log\.2\.gz/);
  t.regex(err!.message, /unexpected end of file/);
});

test('readWholeLog and a follower from the start read the same runs from plain and .gz files', async (t) => {
  const P = setup(t);
  rotatedLog(P);
  const whole = await readWholeLog(P);
  const f = follow(t, P, null);
  await waitFor(() => f.out.runs >= whole.runs, { what: 'the follower to read every file' });
  await new Promise((r) => setTimeout(r, 100));
  const out = await f.stop();
  t.is(out.runs, whole.runs);
  t.deepEqual(sorted(out.students), students(whole.completions));
  t.deepEqual(out.times, out.students.map(lineMs), 'the follower\'s completions with the same times');
  t.deepEqual(out.offset, whole.offset, 'the same offset at the end of PATH');
  t.deepEqual(f.events('log.file').map((e) => e['file']), ['test_runs.log.4.gz', 'test_runs.log.3.gz', 'test_runs.log.2.gz', 'test_runs.log.1', 'test_runs.log']);
});
