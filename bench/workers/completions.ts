// The child of bench/completions.ts: one CompletionIndex (minimum 3 lessons, the writer's default)
// filled with `n` distinct pseudo-random (student, lesson) pairs, each with a pseudo-random time, its memory taken as the growth of the V8 heap plus memory outside it
// (typed arrays' backing stores), each after two full GCs. Run with --expose-gc --import=tsx.
// Input: one JSON argument { n, students, lessons, capacity }; output: one JSON line.
import { CompletionIndex } from '../../src/storage/completion-index.ts';

const { n, students, lessons, capacity } = JSON.parse(process.argv[2]!) as { n: number; students: number; lessons: number; capacity: number | null };
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');
const settle = () => {
  gc();
  gc();
  return process.memoryUsage();
};

// Pair number p in [0, students * lessons) visited as (i * A + C) mod M: A is prime to M, so the
// first n values of i give n distinct pairs, scattered over every student and lesson.
const M = students * lessons;
const A = 61_803_399;
const C = 12_345_678;
if (A % 2 === 0 || A % 5 === 0 || (n - 1) * A + C > Number.MAX_SAFE_INTEGER) throw new Error('bad permutation constants');
const pair = (i: number): [number, number] => {
  const p = (i * A + C) % M;
  return [Math.floor(p / lessons) + 1, (p % lessons) + 1];
};
/** Pair i's completing time: within a year from 2024-01-01, scattered (so that qualified_at moves as they come). */
const T0 = Date.parse('2024-01-01T00:00:00.000Z');
const timeOf = (i: number): number => T0 + ((i * 7_919 + 104_729) % 31_536_000) * 1000;
const MIN_LESSONS = 3;

const before = settle();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const index = new CompletionIndex(capacity ?? 0, MIN_LESSONS);
for (let i = 0; i < n; i++) {
  const p = (i * A + C) % M;
  index.add(Math.floor(p / lessons) + 1, (p % lessons) + 1, timeOf(i));
}
const addMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const addCpuMs = (cpu.user + cpu.system) / 1000;
const after = settle();
const size = index.size;
// The same pairs again, at the same times, change nothing (1 new, 2 earlier): a set, not a list.
// Those outside a student's first lessons come back MAYBE (3): the writer would store them again.
const again = Math.min(n, 1_000_000);
let changedAgain = 0;
let maybeAgain = 0;
const t1 = performance.now();
for (let i = 0; i < again; i++) {
  const [s, l] = pair(i);
  const got = index.add(s, l, timeOf(i));
  if (got === 1 || got === 2) changedAgain++;
  else if (got === 3) maybeAgain++;
}
const againMs = performance.now() - t1;
process.stdout.write(
  `${JSON.stringify({
    size,
    sizeAfterAgain: index.size,
    again,
    changedAgain,
    maybeAgain,
    addMs,
    addCpuMs,
    againMs,
    heapBytes: after.heapUsed - before.heapUsed,
    externalBytes: after.external - before.external,
    arrayBuffersBytes: after.arrayBuffers - before.arrayBuffers,
    rssBytes: after.rss - before.rss,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  })}\n`,
);
