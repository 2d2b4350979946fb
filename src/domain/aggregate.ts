// The warehouse computed from scratch (CONTRACTS §3-§4), straight from the definitions: what
// `rebuild` writes and what `verify` holds the streaming warehouse to. Pure: no I/O.
//
// Sizes it is built for: 1,000,000 students and 20,000,000 completion pairs. The pairs are
// deduplicated by sorting one Float64Array of (student, lesson) keys, never with a Set of pairs:
// a Set tops out near 16.7M entries, and sorting a typed array needs no object per pair.
import type { Batch, Student } from './records.ts';

export interface AggregateInput {
  batches: readonly Batch[];
  students: readonly Student[];
  /**
   * Completing runs as pairs [student, lesson, student, lesson, ...], pairs may repeat; or, already
   * distinct, as packed keys student * pack + lesson in ascending order (the parallel scan's).
   */
  completions: ArrayLike<number> | SortedKeys;
  minLessons: number;
}

/** Distinct completions packed as exact doubles student * pack + lesson (0 <= lesson < pack), ascending. */
export interface SortedKeys {
  keys: Float64Array;
  pack: number;
}

export type BatchRow = Batch & { student_count: number; qualified_students: number };
export type StudentRow = Student & { completed: number };

/** The distinct (student, lesson) pairs, ascending by student then lesson. */
export interface CompletionSet {
  readonly size: number;
  forEach(fn: (student: number, lesson: number) => void): void;
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
  const completions = 'pack' in c ? fromKeys(c) : distinctPairs(c);

  // Students by id; a repeated id keeps its first row (the source's id is a primary key, so
  // repeats only come from a caller that read a row twice).
  const students = [...input.students].sort((a, b) => a.id - b.id);
  const rows: StudentRow[] = [];
  const completed = completedPerStudent(completions, students);
  for (let i = 0; i < students.length; i++) {
    const s = students[i]!;
    if (i > 0 && students[i - 1]!.id === s.id) continue;
    rows.push({ id: s.id, name: s.name, email: s.email, batch_id: s.batch_id, created_at: s.created_at, completed: completed[i]! });
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
}

/**
 * Distinct pairs. Fast path: every pair as one exact double key (student - minS) * R + (lesson -
 * minL), sorted with the typed array's numeric sort. Ids are any safe integers, so when the key
 * would pass 2^53 an index sort with a comparator takes over (slower, same answer).
 */
function distinctPairs(pairs: ArrayLike<number>): Pairs {
  const n = Math.floor(pairs.length / 2);
  let minS = Infinity, maxS = -Infinity, minL = Infinity, maxL = -Infinity;
  for (let i = 0; i < n; i++) {
    const s = pairs[2 * i]!, l = pairs[2 * i + 1]!;
    if (s < minS) minS = s;
    if (s > maxS) maxS = s;
    if (l < minL) minL = l;
    if (l > maxL) maxL = l;
  }
  if (n === 0) return { set: { size: 0, forEach: () => {} }, student: () => NaN };
  const range = maxL - minL + 1;
  if ((maxS - minS + 1) * range <= Number.MAX_SAFE_INTEGER) {
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = (pairs[2 * i]! - minS) * range + (pairs[2 * i + 1]! - minL);
    keys.sort();
    let u = 0;
    for (let i = 0; i < n; i++) if (i === 0 || keys[i] !== keys[u - 1]) keys[u++] = keys[i]!;
    const distinct = keys.subarray(0, u);
    // fmod is exact on doubles, and so is dividing an exact multiple: no rounding at any size.
    const student = (i: number) => (distinct[i]! - (distinct[i]! % range)) / range + minS;
    const lesson = (i: number) => (distinct[i]! % range) + minL;
    return {
      set: { size: u, forEach: (fn) => { for (let i = 0; i < u; i++) fn(student(i), lesson(i)); } },
      student,
    };
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const cmp = (a: number, b: number) => pairs[2 * a]! - pairs[2 * b]! || pairs[2 * a + 1]! - pairs[2 * b + 1]!;
  order.sort(cmp);
  let u = 0;
  for (let i = 0; i < n; i++) if (i === 0 || cmp(order[i]!, order[u - 1]!) !== 0) order[u++] = order[i]!;
  const student = (i: number) => pairs[2 * order[i]!]!;
  return {
    set: { size: u, forEach: (fn) => { for (let i = 0; i < u; i++) fn(student(i), pairs[2 * order[i]! + 1]!); } },
    student,
  };
}

/** Pairs already distinct and ascending, as packed keys: no sort. */
function fromKeys({ keys, pack }: SortedKeys): Pairs {
  const student = (i: number) => (keys[i]! - (keys[i]! % pack)) / pack;
  return {
    set: { size: keys.length, forEach: (fn) => { for (let i = 0; i < keys.length; i++) fn(student(i), keys[i]! % pack); } },
    student,
  };
}

/** completed[i] for students[i] (ascending by id): one merge walk over the ascending pairs. */
function completedPerStudent(p: Pairs, students: readonly Student[]): Uint32Array {
  const out = new Uint32Array(students.length);
  let j = 0;
  for (let i = 0; i < students.length; i++) {
    const id = students[i]!.id;
    if (i > 0 && students[i - 1]!.id === id) continue;
    while (j < p.set.size && p.student(j) < id) j++;
    let c = 0;
    while (j < p.set.size && p.student(j) === id) {
      c++;
      j++;
    }
    out[i] = c;
  }
  return out;
}
