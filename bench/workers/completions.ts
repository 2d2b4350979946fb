// The child of bench/completions.ts: one CompletionIndex filled with `n` distinct pseudo-random
// (student, lesson) pairs, its memory taken as the growth of the V8 heap plus memory outside it
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

const before = settle();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const index = capacity === null ? new CompletionIndex() : new CompletionIndex(capacity);
for (let i = 0; i < n; i++) {
  const p = (i * A + C) % M;
  index.add(Math.floor(p / lessons) + 1, (p % lessons) + 1);
}
const addMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const addCpuMs = (cpu.user + cpu.system) / 1000;
const after = settle();
const size = index.size;
// The same pairs again change nothing: a set, not a list.
const again = Math.min(n, 1_000_000);
const t1 = performance.now();
for (let i = 0; i < again; i++) {
  const [s, l] = pair(i);
  index.add(s, l);
}
const againMs = performance.now() - t1;
process.stdout.write(
  `${JSON.stringify({
    size,
    sizeAfterAgain: index.size,
    again,
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
