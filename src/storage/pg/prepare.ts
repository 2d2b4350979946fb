// A WriteTx made ready for PostgreSQL, in plain JavaScript before the transaction begins (so that a
// retried transaction sends the very same statements): completions distinct and sorted by
// (student, lesson), students distinct by id (the first given), batches by id (the last given),
// rejections distinct by (source, key), each sorted by its key. Every writer takes its row locks in
// that order, so that two pipelines writing at once wait for each other instead of deadlocking.
import type { Batch, Rejected, Student } from '../../domain/records.ts';
import type { LostLog } from '../history.ts';
import type { WriteTx } from '../writer.ts';

export interface PreparedTx {
  now: string;
  /** Distinct pairs, ascending by student then lesson. */
  students_of_pairs: Float64Array;
  lessons_of_pairs: Float64Array;
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
  const [sp, lp] = distinctPairs(tx.completions);
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
 * The distinct pairs of the chunks [student, lesson, ...], ascending. Fast path: one exact double
 * key per pair, (student - minS) * range + (lesson - minL), sorted as a typed array; when the key
 * would pass 2^53, an index sort with a comparator (slower, same answer).
 */
export function distinctPairs(chunks: readonly ArrayLike<number>[]): [Float64Array, Float64Array] {
  let n = 0;
  for (const c of chunks) n += Math.floor(c.length / 2);
  if (n === 0) return [new Float64Array(0), new Float64Array(0)];
  let minS = Infinity, maxS = -Infinity, minL = Infinity, maxL = -Infinity;
  for (const c of chunks) {
    for (let i = 0; i + 1 < c.length; i += 2) {
      const s = c[i]!, l = c[i + 1]!;
      if (s < minS) minS = s;
      if (s > maxS) maxS = s;
      if (l < minL) minL = l;
      if (l > maxL) maxL = l;
    }
  }
  const range = maxL - minL + 1;
  if ((maxS - minS + 1) * range <= Number.MAX_SAFE_INTEGER) {
    const keys = new Float64Array(n);
    let k = 0;
    for (const c of chunks) for (let i = 0; i + 1 < c.length; i += 2) keys[k++] = (c[i]! - minS) * range + (c[i + 1]! - minL);
    keys.sort();
    let u = 0;
    for (let i = 0; i < n; i++) if (i === 0 || keys[i] !== keys[u - 1]) keys[u++] = keys[i]!;
    const s = new Float64Array(u);
    const l = new Float64Array(u);
    for (let i = 0; i < u; i++) {
      const r = keys[i]! % range;
      s[i] = (keys[i]! - r) / range + minS;
      l[i] = r + minL;
    }
    return [s, l];
  }
  const all = new Float64Array(2 * n);
  let k = 0;
  for (const c of chunks) for (let i = 0; i < 2 * Math.floor(c.length / 2); i++) all[k++] = c[i]!;
  const order = Array.from({ length: n }, (_, i) => i);
  const by = (a: number, b: number) => all[2 * a]! - all[2 * b]! || all[2 * a + 1]! - all[2 * b + 1]!;
  order.sort(by);
  const s: number[] = [];
  const l: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i > 0 && by(order[i]!, order[i - 1]!) === 0) continue;
    s.push(all[2 * order[i]!]!);
    l.push(all[2 * order[i]! + 1]!);
  }
  return [Float64Array.from(s), Float64Array.from(l)];
}

/** A PostgreSQL array literal of integers: `{1,2,3}` (what the driver would build from an array, faster). */
export function intArray(a: ArrayLike<number>): string {
  return `{${Array.prototype.join.call(a, ',')}}`;
}
