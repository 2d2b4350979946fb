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

test('taken sorted whatever the spread of students: a dense range, one student of many lessons, ids far apart', (t) => {
  let x = 11;
  const rand = (n: number) => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0), x % n);
  const shapes: [string, () => [number, number]][] = [
    // Students close together (placed per student), a few lessons each.
    ['dense', () => [1_000 + rand(500), rand(40)]],
    // One student with hundreds of lessons beside a few others (a long run within one student).
    ['one student of many lessons', () => (rand(4) === 0 ? [7 + rand(3), rand(20)] : [5, rand(2 ** 21)])],
    // Students spread over 2^32 (too wide to place per student: sorted by key).
    ['ids far apart', () => [rand(2 ** 31) * 2 + rand(2), rand(2 ** 21)]],
  ];
  for (const [name, next] of shapes) {
    const set = new PairTimes();
    const ref = new Map<number, number>();
    for (let i = 0; i < 5_000; i++) {
      const [s, l] = next();
      const ms = 1.7e12 + rand(1_000_000);
      set.add(s, l, ms);
      const key = s * 2 ** 21 + l;
      if (!(ref.get(key)! <= ms)) ref.set(key, ms);
    }
    const got = set.takeSorted();
    const want = [...ref.keys()].sort((a, b) => a - b);
    t.deepEqual([...got.keys], want, `${name}: the keys`);
    t.deepEqual([...got.times], want.map((k) => ref.get(k)!), `${name}: each key's earliest time`);
  }
});
