// PairRuns, the scan task's way of gathering completions (appended, made distinct when taken or when
// full), must give exactly what PairTimes gives: each (student, lesson) once with its earliest time,
// packed keys ascending, odd ids beside, whatever the spread of students, through compactions,
// growths and takes one after another.
import test from 'ava';
import { PairRuns } from '../../src/domain/pair-runs.ts';
import { PairTimes } from '../../src/domain/pair-times.ts';

function rng(seed: number): (n: number) => number {
  let x = seed;
  return (n) => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0), x % n);
}

const SHAPES: [string, (rand: (n: number) => number) => [number, number]][] = [
  // A scan range's: 100,000s of students close together, a few lessons each, runs repeated.
  ['dense', (rand) => [40_000 + rand(3_000), rand(25)]],
  // One student with thousands of lessons (a run per student far over the insertion sort's 32) beside a few.
  ['one student of many lessons', (rand) => (rand(5) === 0 ? [7 + rand(3), rand(20)] : [5, rand(4_000)])],
  // Students spread over 2^32: too wide to count per student, sorted by key.
  ['ids far apart', (rand) => [rand(2 ** 31) * 2 + rand(2), rand(2 ** 21)]],
  // Ids that do not pack (negative, a lesson past 2^21) among those that do.
  ['odd ids among them', (rand) => (rand(50) === 0 ? [-1 - rand(4), rand(9)] : rand(50) === 0 ? [rand(100), 2 ** 21 + rand(3)] : [rand(300), rand(30)])],
];

for (const [name, next] of SHAPES) {
  test(`the same pairs and earliest times as PairTimes: ${name}`, (t) => {
    const rand = rng(name.length * 7919);
    // Room for 64 at first: it compacts and grows many times over.
    const runs = new PairRuns(64);
    const times = new PairTimes();
    for (const size of [3_000, 0, 1, 40_000, 700]) {
      for (let i = 0; i < size; i++) {
        const [s, l] = next(rand);
        // Times going back and forth, so that a later run is sometimes the earlier one.
        const ms = 1.7e12 + rand(10_000_000);
        runs.add(s, l, ms);
        times.add(s, l, ms);
      }
      t.is(runs.size === 0, size === 0);
      const got = runs.takeSorted();
      const want = times.takeSorted();
      t.deepEqual([...got.keys], [...want.keys], `${name}, ${size} runs: keys`);
      t.deepEqual([...got.times], [...want.times], `${name}, ${size} runs: earliest times`);
      t.deepEqual(got.odd, want.odd, `${name}, ${size} runs: odd pairs`);
      t.is(runs.size, 0, 'emptied by the take');
    }
  });
}

test('take() gives the triples PairTimes gives', (t) => {
  const rand = rng(3);
  const runs = new PairRuns();
  const times = new PairTimes();
  for (let i = 0; i < 5_000; i++) {
    const s = rand(500);
    const l = rand(12);
    const ms = 1.7e12 + rand(1_000);
    runs.add(s, l, ms);
    times.add(s, l, ms);
  }
  t.deepEqual([...runs.take()], [...times.take()]);
});
