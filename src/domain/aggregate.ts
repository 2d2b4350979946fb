// The warehouse computed from scratch (CONTRACTS §3-§4), straight from the definitions: what
// `rebuild` writes and what `verify` holds the streaming warehouse to. Pure: no I/O.
//
// Sizes it is built for: 1,000,000 students and 20,000,000 completion pairs. The pairs are
// deduplicated in typed arrays (pair-times.ts, then a native sort of the keys), never with a Set
// of pairs: a Set tops out near 16.7M entries.
import type { Batch, Student } from './records.ts';
import { PACK, PairTimes, triplesOf } from './pair-times.ts';
import { isoOf, kthSmallest } from './event-time.ts';

export interface AggregateInput {
  batches: readonly Batch[];
  students: readonly Student[];
  /**
   * Completing runs as triples [student, lesson, ms, ...] (ms: the run's created_at), pairs may
   * repeat; or, already distinct, as packed keys student * pack + lesson in ascending order with
   * each one's earliest time (the parallel scan's).
   */
  completions: ArrayLike<number> | SortedKeys;
  minLessons: number;
}

/** Distinct completions packed as exact doubles student * pack + lesson (0 <= lesson < pack), ascending, with their earliest times. */
export interface SortedKeys {
  keys: Float64Array;
  times: Float64Array;
  pack: number;
}

export type BatchRow = Batch & { student_count: number; qualified_students: number };
export type StudentRow = Student & { completed: number; qualified_at: string | null };

/** The distinct (student, lesson) pairs, ascending by student then lesson, with their earliest completing time (ms). */
export interface CompletionSet {
  readonly size: number;
  forEach(fn: (student: number, lesson: number, ms: number) => void): void;
  /** The same pairs as columns, in the same order (a writer's bulk path reads them with no call per pair). */
  columns(): CompletionColumns;
}

/** Student k's pairs are lessons[starts[k], starts[k + 1]) and their times; students ascending, each once. */
export interface CompletionColumns {
  students: Float64Array;
  starts: Uint32Array;
  lessons: Float64Array;
  times: Float64Array;
}

/** The columns of pairs ascending by student, given as the i-th pair's student and lesson. */
function columnsOf(n: number, student: (i: number) => number, lesson: (i: number) => number, times: Float64Array): CompletionColumns {
  const lessons = new Float64Array(n);
  let runs = 0;
  for (let i = 0; i < n; i++) {
    lessons[i] = lesson(i);
    if (i === 0 || student(i) !== student(i - 1)) runs++;
  }
  const students = new Float64Array(runs);
  const starts = new Uint32Array(runs + 1);
  for (let i = 0, k = 0; i < n; i++) {
    if (i === 0 || student(i) !== student(i - 1)) {
      students[k] = student(i);
      starts[k++] = i;
    }
  }
  starts[runs] = n;
  return { students, starts, lessons, times };
}

export interface ComputedWarehouse {
  /** By id ascending; a batch served twice appears once, its last version. */
  batches: BatchRow[];
  /** By id ascending, also those whose batch has not been served. */
  students: StudentRow[];
  /** Also pairs of students not arrived yet: they count as soon as the student appears (§3). */
  completions: CompletionSet;
}

export function computeWarehouse(input: AggregateInput): ComputedWarehouse {
  const c = input.completions;
  const completions = 'pack' in c ? fromKeys(c) : distinctTriples(c);

  // Students by id; a repeated id keeps its first row (the source's id is a primary key, so
  // repeats only come from a caller that read a row twice).
  const students = [...input.students].sort((a, b) => a.id - b.id);
  const rows: StudentRow[] = [];
  const per = perStudent(completions, students, input.minLessons);
  for (let i = 0; i < students.length; i++) {
    const s = students[i]!;
    if (i > 0 && students[i - 1]!.id === s.id) continue;
    rows.push({ id: s.id, name: s.name, email: s.email, batch_id: s.batch_id, created_at: s.created_at, completed: per.completed[i]!, qualified_at: per.qualifiedAt[i] ?? null });
  }

  const perBatch = new Map<number, { n: number; q: number }>();
  for (const s of rows) {
    let c = perBatch.get(s.batch_id);
    if (c === undefined) perBatch.set(s.batch_id, (c = { n: 0, q: 0 }));
    c.n++;
    if (s.completed >= input.minLessons) c.q++;
  }

  // The latest version of a batch wins: the last one given.
  const latest = new Map<number, Batch>();
  for (const b of input.batches) latest.set(b.id, b);
  const batches: BatchRow[] = [...latest.values()]
    .sort((a, b) => a.id - b.id)
    .map((b) => {
      const c = perBatch.get(b.id);
      return { id: b.id, name: b.name, start_date: b.start_date, created_at: b.created_at, student_count: c?.n ?? 0, qualified_students: c?.q ?? 0 };
    });

  return { batches, students: rows, completions: completions.set };
}

interface Pairs {
  set: CompletionSet;
  /** The i-th distinct pair's student (ascending). */
  student(i: number): number;
  /** Each distinct pair's earliest time, in the pairs' order. */
  times: Float64Array;
}

/** columnsOf for packed keys, with the arithmetic written out (100,000s of pairs). */
function keyColumns(keys: Float64Array, times: Float64Array, pack: number): CompletionColumns {
  const n = keys.length;
  const lessons = new Float64Array(n);
  const students: number[] = [];
  const starts: number[] = [];
  let last = NaN;
  for (let i = 0; i < n; i++) {
    const key = keys[i]!;
    const l = key % pack;
    const s = (key - l) / pack;
    lessons[i] = l;
    if (s !== last) {
      students.push(s);
      starts.push(i);
      last = s;
    }
  }
  starts.push(n);
  return { students: Float64Array.from(students), starts: Uint32Array.from(starts), lessons, times };
}

/**
 * Distinct pairs, each with its earliest time. Fast path: the pairs that pack (pair-times.ts) kept
 * in a hash with their times, then their keys sorted natively. Ids are any safe integers, so when
 * some pair does not pack an index sort with a comparator takes over (slower, same answer).
 */
function distinctTriples(triples: ArrayLike<number>): Pairs {
  const n = Math.floor(triples.length / 3);
  const set = new PairTimes(n);
  for (let i = 0; i < n; i++) set.add(triples[3 * i]!, triples[3 * i + 1]!, triples[3 * i + 2]!);
  const sorted = set.takeSorted();
  if (sorted.odd.length === 0) return fromKeys({ keys: sorted.keys, times: sorted.times, pack: PACK });
  const all = triplesOf(sorted);
  const m = all.length / 3;
  const order = new Uint32Array(m);
  for (let i = 0; i < m; i++) order[i] = i;
  order.sort((a, b) => all[3 * a]! - all[3 * b]! || all[3 * a + 1]! - all[3 * b + 1]!);
  const student = (i: number) => all[3 * order[i]!]!;
  const lesson = (i: number) => all[3 * order[i]! + 1]!;
  const times = new Float64Array(m);
  for (let i = 0; i < m; i++) times[i] = all[3 * order[i]! + 2]!;
  return {
    set: {
      size: m,
      forEach: (fn) => {
        for (let i = 0; i < m; i++) fn(student(i), lesson(i), times[i]!);
      },
      columns: () => columnsOf(m, student, lesson, times),
    },
    student,
    times,
  };
}

/** Pairs already distinct and ascending, as packed keys: no sort. */
function fromKeys({ keys, times, pack }: SortedKeys): Pairs {
  // fmod is exact on doubles, and so is dividing an exact multiple: no rounding at any size.
  const student = (i: number) => (keys[i]! - (keys[i]! % pack)) / pack;
  const lesson = (i: number) => keys[i]! % pack;
  return {
    set: {
      size: keys.length,
      forEach: (fn) => {
        for (let i = 0; i < keys.length; i++) fn(student(i), lesson(i), times[i]!);
      },
      columns: () => keyColumns(keys, times, pack),
    },
    student,
    times,
  };
}

/**
 * completed[i] and qualifiedAt[i] for students[i] (ascending by id): one merge walk over the
 * ascending pairs; a student's lessons are a run of them, its `min`-th earliest time picked there.
 */
function perStudent(p: Pairs, students: readonly Student[], min: number): { completed: Uint32Array; qualifiedAt: (string | null)[] } {
  const completed = new Uint32Array(students.length);
  const qualified: (string | null)[] = new Array<string | null>(students.length).fill(null);
  const scratch = new Float64Array(Math.max(1, min));
  const size = p.set.size;
  let j = 0;
  for (let i = 0; i < students.length; i++) {
    const id = students[i]!.id;
    if (i > 0 && students[i - 1]!.id === id) continue;
    while (j < size && p.student(j) < id) j++;
    const from = j;
    while (j < size && p.student(j) === id) j++;
    completed[i] = j - from;
    const ms = kthSmallest(p.times, from, j, min, scratch);
    qualified[i] = ms === null ? null : isoOf(ms);
  }
  return { completed, qualifiedAt: qualified };
}
