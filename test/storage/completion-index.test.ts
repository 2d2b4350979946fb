// The writer's in-memory completion set: each (student, lesson) pair once, through growth, with
// negative and very large ids, per-student counts that match, and each student's qualified_at
// (CONTRACTS §4: the min-th earliest of its lessons' times) whatever order the completions come in.
// A run earlier than its pair's earliest is never answered "nothing" (0): it is either applied (2)
// or handed to the writer to store (3, MAYBE), so that the stored times stay the earliest.
import test from 'ava';
import { CompletionIndex } from '../../src/storage/completion-index.ts';
import { BASE_MS } from '../triples.ts';

/** qualified_at in ms from scratch: the lessons' earliest times sorted, the min-th; null with fewer. */
function qualifiedRef(times: Iterable<number>, min: number): number | null {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted.length < min ? null : sorted[min - 1]!;
}

test('pairs are kept once with their earliest time, through many growths, with counts and qualified_at per student', (t) => {
  const MIN = 3;
  const index = new CompletionIndex(0, MIN);
  /** "student/lesson" → earliest ms. */
  const ref = new Map<string, number>();
  const perStudent = new Map<number, Map<number, number>>();
  let x = 99;
  const rand = (n: number) => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0), x % n);
  const odd = [0, -1, -(2 ** 40), 2 ** 32, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER];
  for (let i = 0; i < 200_000; i++) {
    const s = i % 50 === 0 ? odd[rand(odd.length)]! : rand(3_000);
    const l = i % 70 === 0 ? odd[rand(odd.length)]! : rand(500);
    // Times in any order, repeats included: a later run may carry an earlier time.
    const ms = BASE_MS + rand(10_000) * 1000;
    const key = `${s}/${l}`;
    const had = ref.get(key);
    const added = index.add(s, l, ms);
    if (had === undefined) t.is(added, 1, `${key} is new`);
    else if (ms < had) t.not(added, 0, `${key} at ${ms}, earlier than ${had}: applied or to be stored`);
    else t.not(added, 2, `${key} at ${ms}, not earlier than ${had}: nothing to apply`);
    if (had === undefined || ms < had) {
      ref.set(key, ms);
      let lessons = perStudent.get(s);
      if (lessons === undefined) perStudent.set(s, (lessons = new Map()));
      lessons.set(l, ms);
    }
    if (i % 997 === 0) t.is(index.qualifiedAt(s), qualifiedRef(perStudent.get(s)!.values(), MIN), `qualified_at of ${s} at step ${i}`);
    if (t.passed === false) return;
  }
  t.is(index.size, ref.size);
  for (const [s, lessons] of perStudent) {
    t.is(index.completedBy(s), lessons.size);
    t.is(index.qualifiedAt(s), qualifiedRef(lessons.values(), MIN), `qualified_at of ${s}`);
    if (t.passed === false) return;
  }
  t.true(index.has(2 ** 32, 2 ** 32 + 1) === ref.has(`${2 ** 32}/${2 ** 32 + 1}`));
  t.false(index.has(123_456, 7));
  t.is(index.completedBy(123_456), 0);
  t.is(index.qualifiedAt(123_456), null);
});

test('qualified_at: null below the minimum, the min-th earliest lesson after, moved by an earlier time for any lesson', (t) => {
  const index = new CompletionIndex(16, 3);
  const m = (minutes: number) => BASE_MS + minutes * 60_000;
  t.is(index.add(1, 10, m(50)), 1);
  t.is(index.add(1, 11, m(40)), 1);
  t.is(index.qualifiedAt(1), null, 'two lessons');
  t.is(index.add(1, 12, m(60)), 1);
  t.is(index.qualifiedAt(1), m(60), 'the third lesson, by time');
  t.is(index.add(1, 13, m(70)), 1);
  t.is(index.qualifiedAt(1), m(60), 'a later fourth lesson changes nothing');
  t.is(index.add(1, 13, m(10)), 2, 'an earlier time for a known lesson');
  t.is(index.qualifiedAt(1), m(50), 'lesson 13 now first: the third is lesson 10');
  t.is(index.add(1, 13, m(20)), 0, 'a later time than known: nothing');
  t.is(index.add(1, 12, m(5)), 2);
  t.is(index.qualifiedAt(1), m(40), 'lessons 12, 13, 11');
  t.is(index.completedBy(1), 4);
  // Lesson 10, pushed out of the earliest three, comes back in when its own time moves earlier.
  t.is(index.add(1, 10, m(1)), 2);
  t.is(index.qualifiedAt(1), m(10), 'lessons 10, 12, 13');
  // Lesson 11 is outside them now, with no time kept: a later run of it may be its earliest for
  // all the set knows (another minimum would need it), so it is to be stored: 3.
  t.is(index.add(1, 11, m(100)), 3);
  t.is(index.qualifiedAt(1), m(10), 'unchanged');
  t.is(index.completedBy(1), 4);
  // With minimum 1, the earliest of all.
  const one = new CompletionIndex(0, 1);
  one.add(2, 1, m(9));
  t.is(one.qualifiedAt(2), m(9));
  one.add(2, 2, m(3));
  t.is(one.qualifiedAt(2), m(3));
});

test('addList (the writer loading its stored lists) ends as add pair by pair: sizes, counts, qualified_at; lists without times count with none', (t) => {
  const MIN = 3;
  const one = new CompletionIndex(0, MIN);
  const bulk = new CompletionIndex(0, MIN);
  let x = 7;
  const rand = (n: number) => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0), (x >>> 16) % n);
  const students = [0, -5, 2 ** 33, Number.MAX_SAFE_INTEGER, ...Array.from({ length: 2_000 }, (_, i) => i + 1)];
  // Several lists per student (a list row per transaction), repeats and earlier times among them.
  for (let round = 0; round < 3; round++) {
    for (const s of students) {
      const n = rand(8);
      const lessons = Float64Array.from({ length: n }, () => (rand(20) === 0 ? 2 ** 30 + rand(3) : rand(40)));
      const times = rand(10) === 0 ? null : Float64Array.from({ length: n }, () => BASE_MS + rand(100_000) * 1000);
      for (let i = 0; i < n; i++) one.add(s, lessons[i]!, times === null ? Infinity : times[i]!);
      bulk.addList(s, lessons, times);
    }
  }
  t.is(bulk.size, one.size);
  t.true(one.size > 10_000);
  let qualified = 0;
  for (const s of students) {
    t.is(bulk.completedBy(s), one.completedBy(s), `student ${s}: lessons`);
    t.is(bulk.qualifiedAt(s), one.qualifiedAt(s), `student ${s}: qualified_at`);
    if (one.qualifiedAt(s) !== null) qualified++;
    for (let l = 0; l < 40; l++) t.is(bulk.has(s, l), one.has(s, l));
  }
  t.true(qualified > 1_000, 'most students qualified');
});

test('the table holds at most 16 bytes a completion at every size as it grows from empty (issue 10: 20,000,000 in 400 MB)', (t) => {
  // Many lessons a student, so that each student's count and first lessons weigh little: what is
  // bounded is the table, which grows in steps; the bound must hold right after each step too.
  const index = new CompletionIndex(0, 3);
  let worst = 0;
  let worstAt = 0;
  let growths = 0;
  let last = index.bytes;
  for (let i = 0; i < 1_000_000; i++) {
    index.add(i % 300, Math.floor(i / 300), BASE_MS + i);
    if (index.bytes !== last) {
      growths++;
      last = index.bytes;
    }
    if (i < 100_000) continue; // small tables (1,024 slots, 1,024 student rows at least) are no measure
    const per = index.bytes / index.size;
    if (per > worst) [worst, worstAt] = [per, index.size];
  }
  t.true(growths >= 5, `${growths} growths`);
  t.true(worst <= 16, `${worst.toFixed(2)} bytes a completion at ${worstAt} completions`);
  t.is(index.size, 1_000_000);
});
