// computeWarehouse straight from CONTRACTS §3-§4, on hand-made cases.
import test from 'ava';
import { computeWarehouse, type CompletionSet } from '../../src/domain/aggregate.ts';
import type { Batch, Student } from '../../src/domain/records.ts';
import { BASE_MS, iso, triples } from '../triples.ts';

const T = '2024-03-02T10:00:00.000Z';
const batch = (id: number, name = `b${id}`): Batch => ({ id, name, start_date: '2024-04-01', created_at: T });
const student = (id: number, batch_id: number): Student => ({ id, name: `s${id}`, email: null, batch_id, created_at: T });

const pairsOf = (c: { forEach(fn: (s: number, l: number, ms: number) => void): void }) => {
  const out: [number, number][] = [];
  c.forEach((s, l) => out.push([s, l]));
  return out;
};

/** The distinct pairs with their times, as [student, lesson, ms]. */
const triplesOf = (c: { forEach(fn: (s: number, l: number, ms: number) => void): void }) => {
  const out: [number, number, number][] = [];
  c.forEach((s, l, ms) => out.push([s, l, ms]));
  return out;
};

/** BASE_MS plus `m` minutes. */
const at = (m: number) => BASE_MS + m * 60_000;

/** The pairs as the writer's bulk path reads them (columns(), a run per student), as triples. */
const columnTriples = (c: CompletionSet): [number, number, number][] => {
  const { students, starts, lessons, times } = c.columns();
  const out: [number, number, number][] = [];
  for (let k = 0; k < students.length; k++) {
    if (starts[k]! >= starts[k + 1]! || (k > 0 && students[k - 1]! >= students[k]!)) throw new Error(`student run ${k} empty or out of order`);
    for (let i = starts[k]!; i < starts[k + 1]!; i++) out.push([students[k]!, lessons[i]!, times[i]!]);
  }
  if (out.length !== c.size) throw new Error(`columns hold ${out.length} pairs, the set ${c.size}`);
  return out;
};

test('a lesson completed twice counts once; completed counts distinct lessons', (t) => {
  const w = computeWarehouse({
    batches: [batch(1)],
    students: [student(10, 1)],
    // (10, 5) three times: its earliest time, the second, is the one kept.
    completions: [10, 5, at(5), 10, 5, at(1), 10, 6, at(2), 10, 5, at(9)],
    minLessons: 3,
  });
  t.deepEqual(w.students.map((s) => s.completed), [2]);
  t.deepEqual(pairsOf(w.completions), [[10, 5], [10, 6]]);
  t.deepEqual(triplesOf(w.completions), [[10, 5, at(1)], [10, 6, at(2)]], 'each pair with its earliest time');
  t.is(w.completions.size, 2);
  t.like(w.batches[0], { student_count: 1, qualified_students: 0 });
});

test('the minimum is inclusive: 2 lessons do not qualify, 3 do', (t) => {
  const input = {
    batches: [batch(1)],
    students: [student(1, 1), student(2, 1)],
    completions: triples([1, 1, 1, 2, 2, 1, 2, 2, 2, 3]),
  };
  const w3 = computeWarehouse({ ...input, minLessons: 3 });
  t.deepEqual(w3.students.map((s) => [s.id, s.completed]), [[1, 2], [2, 3]]);
  t.deepEqual(w3.students.map((s) => s.qualified_at), [null, iso(at(4))], 'qualified_at: the 3rd lesson, or null');
  t.like(w3.batches[0], { student_count: 2, qualified_students: 1 });
  const w2 = computeWarehouse({ ...input, minLessons: 2 });
  t.like(w2.batches[0], { student_count: 2, qualified_students: 2 });
  t.deepEqual(w2.students.map((s) => s.qualified_at), [iso(at(1)), iso(at(3))], 'qualified_at: the 2nd lesson at minimum 2');
});

test('students before their batch: a row, counted once the batch is there', (t) => {
  const without = computeWarehouse({ batches: [], students: [student(1, 7)], completions: triples([1, 1, 1, 2, 1, 3]), minLessons: 3 });
  t.deepEqual(without.batches, []);
  t.like(without.students[0], { id: 1, batch_id: 7, completed: 3, qualified_at: iso(at(2)) });
  const withBatch = computeWarehouse({ batches: [batch(7)], students: [student(1, 7)], completions: triples([1, 1, 1, 2, 1, 3]), minLessons: 3 });
  t.like(withBatch.batches[0], { id: 7, student_count: 1, qualified_students: 1 });
});

test('completions before their student: kept, and counted once the student is there', (t) => {
  const early = computeWarehouse({ batches: [batch(1)], students: [], completions: triples([5, 1, 5, 2, 5, 3]), minLessons: 3 });
  t.deepEqual(early.students, []);
  t.is(early.completions.size, 3, 'the pairs are kept for a student not arrived yet');
  t.like(early.batches[0], { student_count: 0, qualified_students: 0 });
  const arrived = computeWarehouse({ batches: [batch(1)], students: [student(5, 1)], completions: triples([5, 1, 5, 2, 5, 3]), minLessons: 3 });
  t.like(arrived.batches[0], { student_count: 1, qualified_students: 1 });
  t.like(arrived.students[0], { id: 5, completed: 3, qualified_at: iso(at(2)) });
});

test('a batch served twice: one row, the last version wins; every batch has a row, also with no students', (t) => {
  const w = computeWarehouse({
    batches: [batch(2, 'old'), batch(1), batch(2, 'new'), batch(3)],
    students: [student(1, 2)],
    completions: [],
    minLessons: 3,
  });
  t.deepEqual(w.batches.map((b) => [b.id, b.name, b.student_count]), [[1, 'b1', 0], [2, 'new', 1], [3, 'b3', 0]]);
});

test('a student given twice is one row', (t) => {
  const w = computeWarehouse({ batches: [batch(1)], students: [student(1, 1), student(1, 1)], completions: triples([1, 1]), minLessons: 1 });
  t.is(w.students.length, 1);
  t.like(w.students[0], { completed: 1, qualified_at: iso(at(0)) });
  t.like(w.batches[0], { student_count: 1, qualified_students: 1 });
});

test('results are by id ascending whatever the input order', (t) => {
  const w = computeWarehouse({
    batches: [batch(3), batch(1), batch(2)],
    students: [student(30, 1), student(10, 2), student(20, 3)],
    completions: triples([30, 2, 10, 1, 20, 9, 10, 2]),
    minLessons: 2,
  });
  t.deepEqual(w.batches.map((b) => b.id), [1, 2, 3]);
  t.deepEqual(w.students.map((s) => [s.id, s.completed, s.qualified_at]), [[10, 2, iso(at(3))], [20, 1, null], [30, 1, null]]);
  t.deepEqual(pairsOf(w.completions), [[10, 1], [10, 2], [20, 9], [30, 2]]);
  t.deepEqual(triplesOf(w.completions), [[10, 1, at(1)], [10, 2, at(3)], [20, 9, at(2)], [30, 2, at(0)]], 'each pair keeps its own time');
});

test('ids far apart (keys past 2^53) and negative lessons give the same answer', (t) => {
  const big = Number.MAX_SAFE_INTEGER;
  const w = computeWarehouse({
    batches: [batch(1)],
    students: [student(1, 1), student(big, 1)],
    // (big, -4) twice, the later one first.
    completions: [big, -4, at(7), 1, big, at(1), big, -4, at(2), big, 3, at(3), 1, 2, at(4), big, 0, at(5)],
    minLessons: 3,
  });
  t.deepEqual(w.students.map((s) => [s.id, s.completed]), [[1, 2], [big, 3]]);
  t.deepEqual(pairsOf(w.completions), [[1, 2], [1, big], [big, -4], [big, 0], [big, 3]]);
  t.deepEqual(triplesOf(w.completions), [[1, 2, at(4)], [1, big, at(1)], [big, -4, at(2)], [big, 0, at(5)], [big, 3, at(3)]]);
  t.deepEqual(columnTriples(w.completions), triplesOf(w.completions), 'the columns: the same pairs in the same order');
  t.deepEqual(w.students.map((s) => s.qualified_at), [null, iso(at(5))]);
  t.like(w.batches[0], { student_count: 2, qualified_students: 1 });
});

test('a Float64Array of a million pairs with repeats', (t) => {
  const n = 1_000_000;
  const pairs = new Float64Array(3 * n);
  // 1,000 students, each completing lessons 1..40, every pair written 25 times; the i-th run at
  // BASE_MS + (n - i) s: the last write of a pair is its earliest.
  for (let i = 0; i < n; i++) {
    pairs[3 * i] = (i % 1_000) + 1;
    pairs[3 * i + 1] = (Math.floor(i / 1_000) % 40) + 1;
    pairs[3 * i + 2] = BASE_MS + (n - i) * 1000;
  }
  const students = Array.from({ length: 1_000 }, (_, i) => student(i + 1, (i % 10) + 1));
  const w = computeWarehouse({ batches: Array.from({ length: 10 }, (_, i) => batch(i + 1)), students, completions: pairs, minLessons: 40 });
  t.is(w.completions.size, 40_000);
  t.true(w.students.every((s) => s.completed === 40));
  // A pair's earliest time is its last write: student s's lesson L last at run 1000 * (960 + L - 1)
  // + (s - 1). Its 40th earliest lesson is the one last written first, lesson 1, at run 960,000 + (s - 1).
  t.true(w.students.every((s) => s.qualified_at === iso(BASE_MS + (40_000 - (s.id - 1)) * 1000)), 'qualified_at: the 40th earliest lesson');
  t.true(w.batches.every((b) => b.student_count === 100 && b.qualified_students === 100));
});

test('sorted packed keys with their times (the parallel scan\'s) give the same answer as triples', (t) => {
  const pack = 2 ** 21;
  const input = [3, 2, at(4), 1, 7, at(2), 3, 1, at(9), 3, 5, at(1), 1, 8, at(3), 3, 2, at(0)];
  const byTriples = computeWarehouse({ batches: [batch(1)], students: [student(1, 1), student(3, 1)], completions: input, minLessons: 3 });
  const keys = Float64Array.from([1 * pack + 7, 1 * pack + 8, 3 * pack + 1, 3 * pack + 2, 3 * pack + 5]);
  const times = Float64Array.from([at(2), at(3), at(9), at(0), at(1)]);
  const byKeys = computeWarehouse({ batches: [batch(1)], students: [student(1, 1), student(3, 1)], completions: { keys, times, pack }, minLessons: 3 });
  t.deepEqual(byKeys.students, byTriples.students);
  t.deepEqual(byKeys.batches, byTriples.batches);
  t.deepEqual(triplesOf(byKeys.completions), triplesOf(byTriples.completions));
  t.deepEqual(columnTriples(byKeys.completions), triplesOf(byTriples.completions), 'the columns: the same pairs in the same order');
  t.deepEqual(byKeys.students.map((s) => [s.id, s.completed, s.qualified_at]), [[1, 2, null], [3, 3, iso(at(9))]]);
});
