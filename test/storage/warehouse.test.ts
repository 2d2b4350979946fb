// The warehouse writer keeps the §4 aggregates right incrementally, whatever order records come
// in (completions before the student, students before the batch), and applying anything twice
// changes nothing. Checked against counts recomputed with plain SQL over the stored rows.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import Database from 'better-sqlite3';
import { Warehouse } from '../../src/storage/warehouse.ts';
import { WarehouseError } from '../../src/storage/errors.ts';
import type { Batch, Student } from '../../src/domain/records.ts';
import { peek } from './peek.ts';
import { storedCompletions, storedPairCount, storedTimes } from './stored-completions.ts';
import { BASE_MS, iso, qualifiedAtOf, triples } from '../triples.ts';

const NOW = '2024-06-01T00:00:00.000Z';

function open(t: import('ava').ExecutionContext, min = 3, sources = 'test') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bb-wh-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'peek(w)');
  const w = Warehouse.open(file, { minLessons: min, sources });
  t.teardown(() => w.close());
  return { w, file, dir };
}

const batch = (id: number, name = `b${id}`): Batch => ({ id, name, start_date: null, created_at: '2024-01-01T00:00:00.000Z' });
const student = (id: number, batch_id: number): Student => ({ id, name: `s${id}`, email: null, batch_id, created_at: '2024-01-02T00:00:00.000Z' });

function apply(w: Warehouse, fn: () => void) {
  w.begin();
  fn();
  w.commit();
}

/** Every batch's counts, and the same recomputed from scratch over the stored students and completions. */
function check(t: import('ava').ExecutionContext, w: Warehouse, min = 3) {
  const db = peek(w);
  const stored = db.prepare('SELECT id, student_count, qualified_students FROM batches ORDER BY id').all() as { id: number; student_count: number; qualified_students: number }[];
  const lessons = storedCompletions(db);
  const times = storedTimes(db);
  const students = db.prepare('SELECT id, batch_id, completed, qualified_at FROM students').all() as { id: number; batch_id: number; completed: number; qualified_at: string | null }[];
  const recomputed = stored.map((b) => {
    const mine = students.filter((s) => s.batch_id === b.id);
    return { id: b.id, student_count: mine.length, qualified_students: mine.filter((s) => (lessons.get(s.id)?.length ?? 0) >= min).length };
  });
  t.deepEqual(stored, recomputed);
  for (const s of students) t.is(s.completed, lessons.get(s.id)?.length ?? 0);
  for (const s of students) t.is(s.qualified_at, qualifiedAtOf(times.get(s.id)?.values() ?? [], min), `qualified_at of student ${s.id}`);
  return stored;
}

test('batch, then students, then completions: counts follow', (t) => {
  const { w } = open(t);
  apply(w, () => w.applyBatches([batch(1)], NOW));
  apply(w, () => w.applyStudents([student(10, 1), student(11, 1)], NOW));
  apply(w, () => w.applyCompletions(triples([10, 1, 10, 2, 10, 3, 11, 1]), NOW));
  t.deepEqual(check(t, w), [{ id: 1, student_count: 2, qualified_students: 1 }]);
});

test('late cases: completions before the student, students before the batch', (t) => {
  const { w } = open(t);
  apply(w, () => w.applyCompletions(triples([10, 1, 10, 2, 10, 3, 11, 7]), NOW));
  apply(w, () => w.applyStudents([student(10, 1), student(11, 1), student(12, 2)], NOW));
  t.is(peek(w).prepare('SELECT count(*) FROM batches').pluck().get(), 0, 'students without their batch are stored, the batch is not invented');
  t.is(peek(w).prepare('SELECT completed FROM students WHERE id = 10').pluck().get(), 3);
  apply(w, () => w.applyBatches([batch(1), batch(2), batch(3)], NOW));
  t.deepEqual(check(t, w), [
    { id: 1, student_count: 2, qualified_students: 1 },
    { id: 2, student_count: 1, qualified_students: 0 },
    { id: 3, student_count: 0, qualified_students: 0 },
  ]);
});

test('applying everything twice changes nothing', (t) => {
  const { w } = open(t);
  const all = () => {
    w.applyBatches([batch(1)], NOW);
    w.applyStudents([student(10, 1)], NOW);
    w.applyCompletions(triples([10, 1, 10, 2, 10, 3, 10, 3]), NOW);
    w.reject([{ source: 'test_runs', reason: 'not JSON', raw: '{', key: 'k1' }], NOW);
  };
  apply(w, all);
  const once = check(t, w);
  apply(w, all);
  t.deepEqual(check(t, w), once);
  t.deepEqual(once, [{ id: 1, student_count: 1, qualified_students: 1 }]);
  t.is(peek(w).prepare('SELECT count(*) FROM rejected_records').pluck().get(), 1);
});

test('a batch served again: the latest version wins, counts and updated_at kept when nothing changed', (t) => {
  const { w } = open(t);
  apply(w, () => w.applyBatches([batch(1, 'old')], NOW));
  apply(w, () => w.applyStudents([student(10, 1)], NOW));
  const later = '2024-06-02T00:00:00.000Z';
  apply(w, () => w.applyBatches([batch(1, 'old')], later));
  t.is(peek(w).prepare('SELECT updated_at FROM batches').pluck().get(), NOW, 'an identical re-serve is no change');
  apply(w, () => w.applyBatches([batch(1, 'new')], later));
  t.deepEqual(peek(w).prepare('SELECT name, student_count, updated_at FROM batches').get(), { name: 'new', student_count: 1, updated_at: later });
});

test('a rolled-back transaction leaves nothing, offsets included', (t) => {
  const { w } = open(t);
  w.begin();
  w.applyBatches([batch(1)], NOW);
  w.setOffset('batches', { created_at: NOW, id: 1 }, NOW);
  w.rollback();
  t.is(peek(w).prepare('SELECT count(*) FROM batches').pluck().get(), 0);
  t.is(w.offset('batches'), null);
});

test('offsets round-trip; known student ids include rejected ones', (t) => {
  const { w } = open(t);
  apply(w, () => {
    w.applyStudents([student(5, 1), student(2, 1)], NOW);
    w.reject([{ source: 'students', reason: 'batch_id is not an INTEGER', raw: '{}', key: '3' }], NOW);
    w.setOffset('students', { hwm: 5 }, NOW);
    w.setOffset('test_runs', { dev: 1, ino: 2, pos: 300, head: 'eyJ' }, NOW);
  });
  t.deepEqual(w.offset('students'), { hwm: 5 });
  t.deepEqual(w.offset('test_runs'), { dev: 1, ino: 2, pos: 300, head: 'eyJ' });
  t.deepEqual(Array.from(w.knownStudentIds()), [2, 3, 5]);
});

test('opened with another minimum, qualified_students is recounted', (t) => {
  const { w, file } = open(t, 3);
  apply(w, () => {
    w.applyBatches([batch(1)], NOW);
    w.applyStudents([student(10, 1), student(11, 1)], NOW);
    w.applyCompletions(triples([10, 1, 10, 2, 10, 3, 11, 1, 11, 2]), NOW);
  });
  w.close();
  const w2 = Warehouse.open(file, { minLessons: 2, sources: 'test' });
  t.teardown(() => w2.close());
  t.deepEqual(check(t, w2, 2), [{ id: 1, student_count: 2, qualified_students: 2 }]);
  apply(w2, () => w2.applyCompletions(triples([11, 3]), NOW));
  t.deepEqual(check(t, w2, 2), [{ id: 1, student_count: 2, qualified_students: 2 }], 'crossing 3 means nothing at min 2');
});

test('a warehouse of other sources, a foreign SQLite file and a non-SQLite file are refused by name', (t) => {
  const { w, file, dir } = open(t, 3, 'sources A');
  w.close();
  const e1 = t.throws(() => Warehouse.open(file, { minLessons: 3, sources: 'sources B' }), { instanceOf: WarehouseError });
  t.regex(e1!.message, /was built from other sources \(sources A\)/);
  const foreign = path.join(dir, 'foreign.db');
  new Database(foreign).exec('CREATE TABLE x (a)').close();
  const e2 = t.throws(() => Warehouse.open(foreign, { minLessons: 3, sources: 'a' }), { instanceOf: WarehouseError });
  t.regex(e2!.message, /not a batchboard warehouse/);
  const text = path.join(dir, 'text.db');
  fs.writeFileSync(text, 'hello, this is not a database at all, just some text that is long enough'.repeat(20));
  const e3 = t.throws(() => Warehouse.open(text, { minLessons: 3, sources: 'a' }), { instanceOf: WarehouseError });
  t.regex(e3!.message, /text\.db/);
});

test('after a rollback the in-memory completion set forgets what was rolled back', (t) => {
  const { w } = open(t);
  apply(w, () => w.applyStudents([student(10, 1)], NOW));
  w.begin();
  t.is(w.applyCompletions(triples([10, 1, 10, 2]), NOW), 2);
  w.rollback();
  apply(w, () => t.is(w.applyCompletions(triples([10, 1]), NOW), 1, 'the rolled-back pair counts as new'));
  t.is(peek(w).prepare('SELECT completed FROM students WHERE id = 10').pluck().get(), 1);
  t.is(storedPairCount(peek(w)), 1);
});

test('a writer opened again loads the completions stored: a pair seen before is not counted again', (t) => {
  const { w, file } = open(t);
  apply(w, () => w.applyCompletions(triples([10, 1, 10, 2, 10, 3]), NOW));
  w.close();
  const w2 = Warehouse.open(file, { minLessons: 3, sources: 'test' });
  t.teardown(() => w2.close());
  apply(w2, () => t.is(w2.applyCompletions(triples([10, 3, 10, 4], (i) => BASE_MS + (3 + i) * 60_000), NOW), 1));
  apply(w2, () => w2.applyStudents([student(10, 1)], NOW));
  t.is(peek(w2).prepare('SELECT completed FROM students WHERE id = 10').pluck().get(), 4);
});

test('an earlier time for a stored pair: not new, qualified_at moves to it, and it is kept through a reopen', (t) => {
  const { w, file } = open(t);
  const m = (minutes: number) => BASE_MS + minutes * 60_000;
  const qualifiedAt = (x: Warehouse) => peek(x).prepare('SELECT qualified_at FROM students WHERE id = 10').pluck().get();
  apply(w, () => {
    w.applyBatches([batch(1)], NOW);
    w.applyStudents([student(10, 1)], NOW);
  });
  apply(w, () => t.is(w.applyCompletions([10, 1, m(30), 10, 2, m(20), 10, 3, m(40)], NOW), 3));
  t.is(qualifiedAt(w), iso(m(40)), 'the third lesson by time');
  apply(w, () => t.is(w.applyCompletions([10, 3, m(50), 10, 3, m(10)], NOW), 0, 'no pair is new'));
  t.is(qualifiedAt(w), iso(m(30)), 'lesson 3 now first: lessons 3, 2, 1');
  t.deepEqual(check(t, w), [{ id: 1, student_count: 1, qualified_students: 1 }]);
  t.is(storedPairCount(peek(w)), 4, 'three pairs, and one of them again with its earlier time');
  w.close();
  const w2 = Warehouse.open(file, { minLessons: 3, sources: 'test' });
  t.teardown(() => w2.close());
  apply(w2, () => t.is(w2.applyCompletions([10, 3, m(15), 10, 1, m(25)], NOW), 0));
  t.is(qualifiedAt(w2), iso(m(25)), 'the earliest times were loaded: lessons 3 (10), 2 (20), 1 (25)');
  t.deepEqual(check(t, w2), [{ id: 1, student_count: 1, qualified_students: 1 }]);
  apply(w2, () => w2.applyStudents([student(11, 1)], NOW));
  apply(w2, () => w2.applyCompletions([11, 1, m(3), 11, 2, m(2)], NOW));
  t.is(peek(w2).prepare('SELECT qualified_at FROM students WHERE id = 11').pluck().get(), null, 'two lessons: not qualified');
  check(t, w2);
});

test('completions before the student: its row starts with its qualified_at', (t) => {
  const { w } = open(t);
  const m = (minutes: number) => BASE_MS + minutes * 60_000;
  apply(w, () => w.applyCompletions([12, 1, m(9), 12, 2, m(8), 12, 3, m(7), 12, 4, m(1)], NOW));
  apply(w, () => w.applyStudents([student(12, 1)], NOW));
  t.deepEqual(peek(w).prepare('SELECT completed, qualified_at FROM students WHERE id = 12').get(), { completed: 4, qualified_at: iso(m(8)) });
  check(t, w);
});
