// computeWarehouse straight from CONTRACTS §3-§4, on hand-made cases.
import test from 'ava';
import { computeWarehouse } from '../../src/domain/aggregate.ts';
import type { Batch, Student } from '../../src/domain/records.ts';

const T = '2024-03-02T10:00:00.000Z';
const batch = (id: number, name = `b${id}`): Batch => ({ id, name, start_date: '2024-04-01', created_at: T });
const student = (id: number, batch_id: number): Student => ({ id, name: `s${id}`, email: null, batch_id, created_at: T });

const pairsOf = (c: { forEach(fn: (s: number, l: number) => void): void }) => {
  const out: [number, number][] = [];
  c.forEach((s, l) => out.push([s, l]));
  return out;
};

test('a lesson completed twice counts once; completed counts distinct lessons', (t) => {
  const w = computeWarehouse({
    batches: [batch(1)],
    students: [student(10, 1)],
    completions: [10, 5, 10, 5, 10, 6, 10, 5],
    minLessons: 3,
  });
  t.deepEqual(w.students.map((s) => s.completed), [2]);
  t.deepEqual(pairsOf(w.completions), [[10, 5], [10, 6]]);
  t.is(w.completions.size, 2);
  t.like(w.batches[0], { student_count: 1, qualified_students: 0 });
});

test('the minimum is inclusive: 2 lessons do not qualify, 3 do', (t) => {
  const input = {
    batches: [batch(1)],
    students: [student(1, 1), student(2, 1)],
    completions: [1, 1, 1, 2, 2, 1, 2, 2, 2, 3],
  };
  const w3 = computeWarehouse({ ...input, minLessons: 3 });
  t.deepEqual(w3.students.map((s) => [s.id, s.completed]), [[1, 2], [2, 3]]);
  t.like(w3.batches[0], { student_count: 2, qualified_students: 1 });
  const w2 = computeWarehouse({ ...input, minLessons: 2 });
  t.like(w2.batches[0], { student_count: 2, qualified_students: 2 });
});

test('students before their batch: a row, counted once the batch is there', (t) => {
  const without = computeWarehouse({ batches: [], students: [student(1, 7)], completions: [1, 1, 1, 2, 1, 3], minLessons: 3 });
  t.deepEqual(without.batches, []);
  t.like(without.students[0], { id: 1, batch_id: 7, completed: 3 });
  const withBatch = computeWarehouse({ batches: [batch(7)], students: [student(1, 7)], completions: [1, 1, 1, 2, 1, 3], minLessons: 3 });
  t.like(withBatch.batches[0], { id: 7, student_count: 1, qualified_students: 1 });
});

test('completions before their student: kept, and counted once the student is there', (t) => {
  const early = computeWarehouse({ batches: [batch(1)], students: [], completions: [5, 1, 5, 2, 5, 3], minLessons: 3 });
  t.deepEqual(early.students, []);
  t.is(early.completions.size, 3, 'the pairs are kept for a student not arrived yet');
  t.like(early.batches[0], { student_count: 0, qualified_students: 0 });
  const arrived = computeWarehouse({ batches: [batch(1)], students: [student(5, 1)], completions: [5, 1, 5, 2, 5, 3], minLessons: 3 });
  t.like(arrived.batches[0], { student_count: 1, qualified_students: 1 });
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
  const w = computeWarehouse({ batches: [batch(1)], students: [student(1, 1), student(1, 1)], completions: [1, 1], minLessons: 1 });
  t.is(w.students.length, 1);
  t.like(w.batches[0], { student_count: 1, qualified_students: 1 });
});

test('results are by id ascending whatever the input order', (t) => {
  const w = computeWarehouse({
    batches: [batch(3), batch(1), batch(2)],
    students: [student(30, 1), student(10, 2), student(20, 3)],
    completions: [30, 2, 10, 1, 20, 9, 10, 2],
    minLessons: 2,
  });
  t.deepEqual(w.batches.map((b) => b.id), [1, 2, 3]);
  t.deepEqual(w.students.map((s) => [s.id, s.completed]), [[10, 2], [20, 1], [30, 1]]);
  t.deepEqual(pairsOf(w.completions), [[10, 1], [10, 2], [20, 9], [30, 2]]);
});

test('ids far apart (keys past 2^53) and negative lessons give the same answer', (t) => {
  const big = Number.MAX_SAFE_INTEGER;
  const w = computeWarehouse({
    batches: [batch(1)],
    students: [student(1, 1), student(big, 1)],
    completions: [big, -4, 1, big, big, -4, big, 3, 1, 2, big, 0],
    minLessons: 3,
  });
  t.deepEqual(w.students.map((s) => [s.id, s.completed]), [[1, 2], [big, 3]]);
  t.deepEqual(pairsOf(w.completions), [[1, 2], [1, big], [big, -4], [big, 0], [big, 3]]);
  t.like(w.batches[0], { student_count: 2, qualified_students: 1 });
});

test('a Float64Array of a million pairs with repeats', (t) => {
  const n = 1_000_000;
  const pairs = new Float64Array(2 * n);
  // 1,000 students, each completing lessons 1..40, every pair written 25 times.
  for (let i = 0; i < n; i++) {
    pairs[2 * i] = (i % 1_000) + 1;
    pairs[2 * i + 1] = (Math.floor(i / 1_000) % 40) + 1;
  }
  const students = Array.from({ length: 1_000 }, (_, i) => student(i + 1, (i % 10) + 1));
  const w = computeWarehouse({ batches: Array.from({ length: 10 }, (_, i) => batch(i + 1)), students, completions: pairs, minLessons: 40 });
  t.is(w.completions.size, 40_000);
  t.true(w.students.every((s) => s.completed === 40));
  t.true(w.batches.every((b) => b.student_count === 100 && b.qualified_students === 100));
});
