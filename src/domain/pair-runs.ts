// Completions gathered by a task of the parallel scan (batch/scan/task.ts): the same answer as
// PairTimes (each (student, lesson) once with its earliest time, taken sorted), made another way.
// A scan task takes its pairs once, at its end, and they span a range of students close to their
// number: appended as they come (no hash, no probe into a table several times their size), then
// placed per student by one counting pass and each student's few made distinct in place. Measured
// on a 217 MiB simulator log in 32 MiB ranges, one thread, alternating: 384-560 ms a pass with
// PairTimes, 262-410 ms with this. Ids that do not pack (rare) are kept beside, as PairTimes keeps
// them. test/domain/pair-runs.test.ts holds the two to the same answer.
import { addOdd, PACK, packs, placePerStudent, sortedOdd, triplesOf, type SortedTimes } from './pair-times.ts';

export class PairRuns {
  /** Pairs [0, n) as packed keys with their times, in the order added (or sorted and distinct after a compaction). */
  private keys: Float64Array;
  private times: Float64Array;
  /** Where a counting pass places the pairs: the two pairs of arrays swap after it. */
  private spareKeys: Float64Array;
  private spareTimes: Float64Array;
  private n = 0;
  /** The range of students added since the last take. */
  private lo = Infinity;
  private hi = -Infinity;
  private odd: Map<string, [number, number, number]> | null = null;

  /** `capacity`: the pairs it holds before it first compacts (then grows when they are mostly distinct). */
  constructor(capacity = 1024) {
    const n = Math.max(16, capacity);
    this.keys = new Float64Array(n);
    this.times = new Float64Array(n);
    this.spareKeys = new Float64Array(n);
    this.spareTimes = new Float64Array(n);
  }

  /** The pairs held, each repeat counted until they are taken or compacted: 0 only when it holds none. */
  get size(): number {
    return this.n + (this.odd?.size ?? 0);
  }

  /** Adds a completing run of `student` on `lesson` at `ms`. */
  add(student: number, lesson: number, ms: number): void {
    if (!packs(student, lesson)) {
      addOdd((this.odd ??= new Map()), student, lesson, ms);
      return;
    }
    if (this.n === this.keys.length) this.makeRoom();
    this.keys[this.n] = student * PACK + lesson;
    this.times[this.n++] = ms;
    if (student < this.lo) this.lo = student;
    if (student > this.hi) this.hi = student;
  }

  /** Every pair, ascending, each once with its earliest time; empties the set (its arrays are kept for the next). */
  takeSorted(): SortedTimes {
    const d = this.distinct();
    const keys = this.keys.slice(0, d);
    const times = this.times.slice(0, d);
    const odd = sortedOdd(this.odd);
    this.n = 0;
    this.lo = Infinity;
    this.hi = -Infinity;
    this.odd = null;
    return { keys, times, odd };
  }

  /** Every pair as [student, lesson, ms, ...], ascending; empties the set. */
  take(): Float64Array {
    return triplesOf(this.takeSorted());
  }

  /** Full: repeats dropped; still more than half full of distinct pairs, twice the room. */
  private makeRoom(): void {
    const d = this.distinct();
    if (2 * d <= this.keys.length) return;
    const grow = (a: Float64Array): Float64Array => {
      const b = new Float64Array(2 * a.length);
      b.set(a.subarray(0, d));
      return b;
    };
    this.keys = grow(this.keys);
    this.times = grow(this.times);
    this.spareKeys = new Float64Array(this.keys.length);
    this.spareTimes = new Float64Array(this.keys.length);
  }

  /** Sorts [0, n) by key, keeps each key once with its earliest time, and returns (and sets) how many are left. */
  private distinct(): number {
    const n = this.n;
    if (n > 1) {
      if (this.hi - this.lo <= 4 * n + 64) this.placePerStudent();
      else this.sortByKey();
    }
    const keys = this.keys;
    const times = this.times;
    let m = 0;
    for (let i = 0; i < n; i++) {
      const key = keys[i]!;
      if (m > 0 && keys[m - 1] === key) {
        if (times[i]! < times[m - 1]!) times[m - 1] = times[i]!;
      } else {
        keys[m] = key;
        times[m++] = times[i]!;
      }
    }
    this.n = m;
    return m;
  }

  /** A count per student of the range, the pairs placed into the spare arrays (which become the pairs), each student's sorted there. */
  private placePerStudent(): void {
    placePerStudent(this.keys, this.times, this.n, this.lo, this.hi, this.spareKeys, this.spareTimes);
    this.swap();
  }

  /** Students too far apart to count per student (few pairs over a wide range): an index sort by key. */
  private sortByKey(): void {
    const n = this.n;
    const keys = this.keys;
    const times = this.times;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => keys[a]! - keys[b]!);
    const outKeys = this.spareKeys;
    const outTimes = this.spareTimes;
    for (let i = 0; i < n; i++) {
      outKeys[i] = keys[order[i]!]!;
      outTimes[i] = times[order[i]!]!;
    }
    this.swap();
  }

  /** The spare arrays, just filled, become the pairs. */
  private swap(): void {
    [this.keys, this.spareKeys] = [this.spareKeys, this.keys];
    [this.times, this.spareTimes] = [this.spareTimes, this.times];
  }
}
