// A WriteTx made ready for PostgreSQL, in plain JavaScript before the transaction begins (so that a
// retried transaction sends the very same statements): completions distinct and sorted by
// (student, lesson), students distinct by id (the first given), batches by id (the last given),
// rejections distinct by (source, key), each sorted by its key. Every writer takes its row locks in
// that order, so that two pipelines writing at once wait for each other instead of deadlocking.
import type { Batch, Rejected, Student } from '../../domain/records.ts';
import type { LostLog } from '../history.ts';
import type { WriteTx } from '../writer.ts';
import { PairTimes, triplesOf } from '../../domain/pair-times.ts';
import { isoOf } from '../../domain/event-time.ts';

export interface PreparedTx {
  now: string;
  /** Distinct pairs, ascending by student then lesson, with their earliest times (ms). */
  students_of_pairs: Float64Array;
  lessons_of_pairs: Float64Array;
  times_of_pairs: Float64Array;
  students: Student[];
  batches: Batch[];
  rejected: Rejected[];
  lost: LostLog[];
  offsets: { source: string; value: string }[];
  /** Students or batches: the transaction takes the warehouse's write lock exclusively (writer.ts). */
  exclusive: boolean;
}

/** PostgreSQL's text cannot hold U+0000: it is replaced (and shows as U+FFFD). */
export function pgText(s: string): string;
export function pgText(s: string | null): string | null;
export function pgText(s: string | null): string | null {
  return s === null || !s.includes('\u0000') ? s : s.replace(/\u0000/g, '\uFFFD');
}

export function prepareTx(tx: WriteTx): PreparedTx {
  const [sp, lp, tp] = distinctPairs(tx.completions);
  const students = distinctBy(tx.students, (s) => s.id, 'first').sort((a, b) => a.id - b.id);
  const batches = distinctBy(tx.batches, (b) => b.id, 'last').sort((a, b) => a.id - b.id);
  const rejected = distinctBy(tx.rejected, (r) => `${r.source}\u0000${r.key}`, 'first').sort((a, b) => cmp(a.source, b.source) || cmp(a.key, b.key));
  const lost = distinctBy(tx.lost, (l) => l.key, 'first').sort((a, b) => cmp(a.key, b.key));
  const offsets: { source: string; value: string }[] = [];
  for (const source of ['batches', 'students', 'test_runs'] as const) {
    const v = tx.offsets[source];
    if (v !== undefined) offsets.push({ source, value: JSON.stringify(v) });
  }
  return {
    now: tx.now,
    students_of_pairs: sp,
    lessons_of_pairs: lp,
    times_of_pairs: tp,
    students,
    batches,
    rejected,
    lost,
    offsets,
    exclusive: students.length > 0 || batches.length > 0,
  };
}

export function isEmptyTx(p: PreparedTx): boolean {
  return p.students_of_pairs.length === 0 && p.students.length === 0 && p.batches.length === 0 && p.rejected.length === 0 && p.lost.length === 0 && p.offsets.length === 0;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function distinctBy<T, K>(rows: readonly T[], key: (r: T) => K, keep: 'first' | 'last'): T[] {
  const m = new Map<K, T>();
  for (const r of rows) {
    const k = key(r);
    if (keep === 'last' || !m.has(k)) m.set(k, r);
  }
  return [...m.values()];
}

/**
 * The distinct pairs of the chunks [student, lesson, ms, ...], ascending, each with its earliest
 * time: gathered in pair-times.ts's hash, keys sorted natively; pairs that do not pack (rare) put in
 * their place by a comparator sort.
 */
export function distinctPairs(chunks: readonly ArrayLike<number>[]): [Float64Array, Float64Array, Float64Array] {
  let n = 0;
  for (const c of chunks) n += Math.floor(c.length / 3);
  const set = new PairTimes(n);
  for (const c of chunks) for (let i = 0; i + 2 < c.length; i += 3) set.add(c[i]!, c[i + 1]!, c[i + 2]!);
  const sorted = set.takeSorted();
  const all = triplesOf(sorted);
  const u = all.length / 3;
  const order = Array.from({ length: u }, (_, i) => i);
  if (sorted.odd.length > 0) order.sort((a, b) => all[3 * a]! - all[3 * b]! || all[3 * a + 1]! - all[3 * b + 1]!);
  const s = new Float64Array(u);
  const l = new Float64Array(u);
  const t = new Float64Array(u);
  for (let i = 0; i < u; i++) {
    const j = order[i]!;
    s[i] = all[3 * j]!;
    l[i] = all[3 * j + 1]!;
    t[i] = all[3 * j + 2]!;
  }
  return [s, l, t];
}

/** A PostgreSQL array literal of timestamps from ms (a time not known, Infinity, is NULL). */
export function isoArray(a: ArrayLike<number>): string {
  const out: string[] = [];
  for (let i = 0; i < a.length; i++) out.push(Number.isFinite(a[i]!) ? isoOf(a[i]!) : 'NULL');
  return `{${out.join(',')}}`;
}

/** A PostgreSQL array literal of integers: `{1,2,3}` (what the driver would build from an array, faster). */
export function intArray(a: ArrayLike<number>): string {
  return `{${Array.prototype.join.call(a, ',')}}`;
}
