// A background writer for bench/freshness.ts, in its own thread so that the probe's polling does
// not hold it up: appends valid test-run lines at a target rate (lines/s) in 1 ms slices, each
// write whole lines with O_APPEND, and reports every second how many lines and bytes it wrote.
// Plain JavaScript: a worker_threads entry cannot be TypeScript on Node 20.
//
// workerData: { log, rate, students, lessons (numbered from 1000 up, so the probe's lessons 1-3
// are never touched), seconds, prefix (keeps run ids unique across appenders) }.
//
// Lines are patched into a byte template (numbers right-aligned in JSON white space) instead of
// built as strings: at 500,000 lines/s string building took 0.7 of this machine's 2 cores, which
// the pipeline under test then did not have; patching takes about a tenth of that.
import { closeSync, openSync, writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

const a = workerData;
const fd = openSync(a.log, 'a');
const created = new Date().toISOString();
const PREFIX = String(a.prefix).replace(/[^\w-]/g, '');
// One line: every number field is padded to a fixed width with spaces, which JSON allows.
const head = `{"id":"${PREFIX}-`;
const ID_W = 12;
const NUM_W = 7;
const pad = ' '.repeat(NUM_W);
const tmpl = (pass) =>
  `${head}${'0'.repeat(ID_W)}","student_id":${pad},"lesson_id":${pad},"passing_count":${pass ? '12' : ' 3'},"failure_count":${pass ? '0' : '2'},"created_at":"${created}"}\n`;
const PASS = Buffer.from(tmpl(true));
const FAIL = Buffer.from(tmpl(false));
const LINE = PASS.length;
if (FAIL.length !== LINE) throw new Error('templates differ in length');
const ID_AT = head.length;
const STUDENT_AT = PASS.indexOf('"student_id":') + '"student_id":'.length;
const LESSON_AT = PASS.indexOf('"lesson_id":') + '"lesson_id":'.length;
const CHUNK = 20_000;
const buf = Buffer.alloc(CHUNK * LINE);
for (let i = 0; i < CHUNK; i++) (i % 4 === 0 ? PASS : FAIL).copy(buf, i * LINE);

// xorshift32, in 32-bit integer arithmetic (a float LCG here cycled after a few thousand values).
let x = (0x9e3779b9 ^ [...String(a.prefix)].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619), 2166136261)) | 1;
const rand = (n) => {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  return (x >>> 0) % n;
};
/** Writes `v` right-aligned in `width` bytes at `at`, spaces before it (or zeros, for the id). */
function put(at, width, v, fill) {
  let i = at + width - 1;
  do {
    buf[i--] = 48 + (v % 10);
    v = Math.floor(v / 10);
  } while (v > 0 && i >= at);
  while (i >= at) buf[i--] = fill;
}

let seq = 0;
function fill(n) {
  for (let k = 0; k < n; k++) {
    const base = k * LINE;
    put(base + ID_AT, ID_W, seq++, 48);
    put(base + STUDENT_AT, NUM_W, 1 + rand(a.students), 32);
    put(base + LESSON_AT, NUM_W, 1000 + rand(a.lessons), 32);
  }
  return n * LINE;
}

const start = performance.now();
let written = 0;
let lastReport = start;
for (;;) {
  const now = performance.now();
  const elapsed = (now - start) / 1000;
  if (elapsed >= a.seconds) break;
  const due = Math.floor(elapsed * a.rate) - written;
  if (due > 0) {
    const n = Math.min(due, CHUNK);
    writeSync(fd, buf, 0, fill(n));
    written += n;
  } else {
    // Under the rate: yield the core for a moment (Atomics.wait sleeps without an event loop).
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
  }
  if (now - lastReport >= 1000) {
    parentPort.postMessage({ written, bytes: written * LINE, at: now });
    lastReport = now;
  }
}
closeSync(fd);
parentPort.postMessage({ written, bytes: written * LINE, at: performance.now(), done: true });
