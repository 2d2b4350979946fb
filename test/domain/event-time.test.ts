// The text a qualified_at is stored as, and the pick of a student's min-th earliest lesson: both
// on the rebuild's hot path, so both have fast forms; here they are held to the plain ones.
import test from 'ava';
import { isoOf, kthSmallest, msOf } from '../../src/domain/event-time.ts';

test('isoOf prints what toISOString prints, at day edges, before 1970, at the ends of what a Date holds', (t) => {
  const edges = [0, 1, -1, 999, 1_000, 86_399_999, 86_400_000, -86_400_000, -86_400_001, 951_782_400_000, 253_402_300_799_999, -62_167_219_200_000, -62_167_219_200_001, 8.64e15, -8.64e15];
  // Random instants, and runs of them within one day (the cached date part) and across days.
  let x = 12345;
  const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const random = Array.from({ length: 20_000 }, (_, i) => (i % 2 === 0 ? Math.floor((next() - 0.5) * 1.7e16) : 1.7e12 + Math.floor(next() * 3 * 86_400_000)));
  for (const ms of [...edges, ...random]) if (isoOf(ms) !== new Date(ms).toISOString()) t.fail(`isoOf(${ms}) = ${isoOf(ms)}, not ${new Date(ms).toISOString()}`);
  t.is(isoOf(msOf('2024-02-29T23:59:59.999Z')), '2024-02-29T23:59:59.999Z');
  t.throws(() => isoOf(8.64e15 + 1), { instanceOf: RangeError }, 'beyond what a Date holds: as toISOString does');
  t.is(isoOf(1.5), new Date(1.5).toISOString(), 'a fraction of a millisecond: as Date prints it');
});

test('kthSmallest is the min-th of the times sorted, or null with fewer; it reads only [from, to)', (t) => {
  let x = 7;
  const next = (n: number) => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) % n);
  const scratch = new Float64Array(8);
  for (let round = 0; round < 5_000; round++) {
    const all = Array.from({ length: 2 + next(14) }, () => next(20));
    const from = next(2);
    const to = all.length - next(2);
    const k = 1 + next(7);
    const mine = all.slice(from, to).sort((a, b) => a - b);
    const want = mine.length < k ? null : mine[k - 1];
    const got = kthSmallest(all, from, to, k, scratch);
    if (got !== want) t.fail(`${JSON.stringify(all)} [${from}, ${to}) k=${k}: ${got}, not ${want}`);
  }
  t.is(kthSmallest([5, 1, 3], 0, 3, 0, scratch), null, 'a minimum below 1 qualifies nobody');
  t.is(kthSmallest([3, 3, 3], 0, 3, 3, scratch), 3, 'equal times');
});
