// PairTimes, the set a reader gathers completions in: each (student, lesson) once with its earliest
// time, taken sorted, again and again (the table is reused between takes, and kept large after a
// big batch), with ids that do not pack beside those that do.
import test from 'ava';
import { PairTimes, triplesOf, EARLIER, NEW, NONE } from '../../src/domain/pair-times.ts';

test('taken sorted with the earliest times, through growths and reuse, small batches after large ones', (t) => {
  const set = new PairTimes();
  let x = 7;
  const rand = (n: number) => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0), x % n);
  // Batch sizes: small, then one past 2^17 pairs (the table grows past 2^18 slots and is dropped
  // after), then medium ones (kept at their size), then small ones again.
  for (const size of [5, 300, 140_000, 20_000, 60_000, 3, 1, 0, 1_000]) {
    const ref = new Map<string, [number, number, number]>();
    for (let i = 0; i < size * 2; i++) {
      const s = i % 997 === 0 ? -1 - rand(5) : rand(size + 1);
      const l = i % 991 === 0 ? 2 ** 22 + rand(3) : rand(50);
      const ms = Date.UTC(2024, 0, 1) + rand(1_000_000);
      const k = `${s},${l}`;
      const had = ref.get(k);
      const got = set.add(s, l, ms);
      t.is(got, had === undefined ? NEW : ms < had[2] ? EARLIER : NONE);
      if (had === undefined || ms < had[2]) ref.set(k, [s, l, ms]);
      if (t.passed === false) return;
    }
    t.is(set.size, ref.size);
    const want = [...ref.values()].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const sorted = set.takeSorted();
    const got: [number, number, number][] = [];
    const tr = triplesOf(sorted);
    for (let i = 0; i < tr.length; i += 3) got.push([tr[i]!, tr[i + 1]!, tr[i + 2]!]);
    // Packed keys first, ascending, then the odd pairs, ascending: compare as sets with each order checked.
    const byKey = (a: [number, number, number], b: [number, number, number]) => a[0] - b[0] || a[1] - b[1];
    t.deepEqual([...got].sort(byKey), want, `batch of ${size}`);
    for (let i = 1; i < sorted.keys.length; i++) t.true(sorted.keys[i - 1]! < sorted.keys[i]!);
    t.is(set.size, 0, 'emptied');
  }
});
