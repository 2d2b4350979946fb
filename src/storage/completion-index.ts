// The set of (student, lesson) completed, in memory, for the warehouse writer: whether a completion
// is new is asked here, not of an index in SQLite (random inserts into a B-tree there were the
// writer's bottleneck: 27k-51k new completions/s, against 107k-286k/s with the set in memory and
// the table append-only).
//
// Open addressing with linear probing over ONE Float64Array of packed keys, student * 2^21 +
// lesson (pair-times.ts; other pairs, rare, go to a Set). The table grows by 2/5 when 3/4 full, so
// it is between 0.54 and 3/4 full: 10.7 to 15 bytes a completion (bench/completions.ts), whatever
// the count (growing by half, it was 16 bytes right after a growth, and more with each student's
// counts: 16.05 at 20,000,000 grown from empty).
//
// Beside it, per student, its count and its `min` earliest lessons (time, lesson), from which
// `qualified_at` is read (CONTRACTS §4) whatever order completions arrive in. A pair's own time is
// NOT kept (it doubled the set: 24 to 32 bytes a completion): a known pair's run that is not
// earlier than the student's `min`-th lesson and not one of those lessons changes nothing now, and
// is answered MAYBE, for the writer to store (its time may be the pair's earliest, which another
// --min-lessons would need). Runs of a pair already completed are what MAYBE costs: a row each.
import { EARLIER, NEW, NONE, packs, PACK, slotOf } from '../domain/pair-times.ts';

/** A known pair whose time may be its earliest, with no effect on qualified_at now: to be stored. */
export const MAYBE = 3;
/** What `add` did: nothing, a new pair, an earlier time among the student's first lessons, or MAYBE. */
export type IndexAdded = typeof NONE | typeof NEW | typeof EARLIER | typeof MAYBE;

const EMPTY = -1;
const MAX_LOAD = 0.75;
const GROWTH = 1.4;
const MIN_SLOTS = 1024;

export class CompletionIndex {
  private slots: Float64Array;
  private count = 0;
  /** Pairs that do not pack, as "student,lesson". */
  private odd: Set<string> | null = null;
  /** A student's row in `counts` and `tops`. */
  private readonly rowOf = new Map<number, number>();
  private counts = new Uint32Array(1024);
  /** Per row, `min` (time, lesson) pairs, earliest first; the first min(count, min) are set. */
  private tops: Float64Array;

  /** `min`: the lessons a student qualifies at (its `min`-th earliest lesson is `qualified_at`). */
  constructor(
    capacity: number,
    readonly min: number,
  ) {
    const n = Math.max(MIN_SLOTS, Math.ceil(capacity / (MAX_LOAD * 0.9)));
    this.slots = new Float64Array(n).fill(EMPTY);
    this.tops = new Float64Array(1024 * 2 * min);
  }

  get size(): number {
    return this.count + (this.odd?.size ?? 0);
  }

  /** Bytes the set holds (its table, and each student's count and first lessons), for measuring. */
  get bytes(): number {
    return this.slots.byteLength + this.counts.byteLength + this.tops.byteLength;
  }

  /** Lessons completed by `student` so far. */
  completedBy(student: number): number {
    const row = this.rowOf.get(student);
    return row === undefined ? 0 : this.counts[row]!;
  }

  /** When `student` qualified (ms), or null while it has fewer than `min` lessons. */
  qualifiedAt(student: number): number | null {
    const row = this.rowOf.get(student);
    if (row === undefined || this.counts[row]! < this.min) return null;
    return this.tops[(row * this.min + this.min - 1) * 2]!;
  }

  /** Adds a completing run of `student` on `lesson` at `ms`. */
  add(student: number, lesson: number, ms: number): IndexAdded {
    const isNew = this.addPair(student, lesson);
    return this.place(this.rowFor(student), lesson, ms, isNew);
  }

  /**
   * Adds a stored list of one student's lessons, with their times (null: none kept, Infinity): the
   * same as `add` for each, with the student's row found once (the writer loads its set this way).
   */
  addList(student: number, lessons: Float64Array, times: Float64Array | null): void {
    const row = this.rowFor(student);
    for (let i = 0; i < lessons.length; i++) {
      const lesson = lessons[i]!;
      this.place(row, lesson, times === null ? Infinity : times[i]!, this.addPair(student, lesson));
    }
  }

  private addPair(student: number, lesson: number): boolean {
    return packs(student, lesson) ? this.addKey(student * PACK + lesson) : this.addOdd(`${student},${lesson}`);
  }

  has(student: number, lesson: number): boolean {
    if (!packs(student, lesson)) return this.odd?.has(`${student},${lesson}`) ?? false;
    const key = student * PACK + lesson;
    const slots = this.slots;
    let i = slotOf(key, slots.length);
    for (;;) {
      const s = slots[i]!;
      if (s === EMPTY) return false;
      if (s === key) return true;
      if (++i === slots.length) i = 0;
    }
  }

  /** True when the pair is new. */
  private addOdd(k: string): boolean {
    if (this.odd?.has(k)) return false;
    (this.odd ??= new Set()).add(k);
    return true;
  }

  /** True when the key is new. */
  private addKey(key: number): boolean {
    const slots = this.slots;
    let i = slotOf(key, slots.length);
    for (;;) {
      const s = slots[i]!;
      if (s === EMPTY) break;
      if (s === key) return false;
      if (++i === slots.length) i = 0;
    }
    slots[i] = key;
    if (++this.count > slots.length * MAX_LOAD) this.grow();
    return true;
  }

  /**
   * The student's earliest lessons after a run of `lesson` at `ms`: a lesson among them takes the
   * earlier of its times; one outside them (new, or known with a time >= the last of them) enters
   * only if earlier than the last of them, pushing that one out (its own time is still >= the one
   * pushed out, so nothing it hides could come back). While a student has fewer than `min`
   * lessons, all of them are there.
   */
  private place(row: number, lesson: number, ms: number, isNew: boolean): IndexAdded {
    const had = this.counts[row]!;
    if (isNew) this.counts[row] = had + 1;
    const k = this.min;
    const tops = this.tops;
    const base = row * k * 2;
    const filled = Math.min(had, k);
    // Where the lesson sits among them (an earlier time for a lesson already there), else the end.
    let at = filled;
    if (!isNew) {
      for (let j = 0; j < filled; j++) {
        if (tops[base + 2 * j + 1] === lesson) {
          at = j;
          break;
        }
      }
      if (at < filled && ms >= tops[base + 2 * at]!) return NONE; // not earlier than its known time
    }
    if (at === filled && filled === k) {
      if (ms >= tops[base + 2 * (k - 1)]!) return isNew ? NEW : MAYBE;
      at = k - 1; // the last one drops out
    }
    // Move it up to its place by time (ties by lesson, for one order everywhere).
    while (at > 0) {
      const pt = tops[base + 2 * (at - 1)]!;
      const pl = tops[base + 2 * (at - 1) + 1]!;
      if (pt < ms || (pt === ms && pl < lesson)) break;
      tops[base + 2 * at] = pt;
      tops[base + 2 * at + 1] = pl;
      at--;
    }
    tops[base + 2 * at] = ms;
    tops[base + 2 * at + 1] = lesson;
    return isNew ? NEW : EARLIER;
  }

  /** The student's row in `counts` and `tops`, made on its first lesson. */
  private rowFor(student: number): number {
    let row = this.rowOf.get(student);
    if (row === undefined) {
      row = this.rowOf.size;
      this.rowOf.set(student, row);
      if (row === this.counts.length) this.growRows();
    }
    return row;
  }

  private growRows(): void {
    const counts = new Uint32Array(this.counts.length * 2);
    counts.set(this.counts);
    this.counts = counts;
    const tops = new Float64Array(this.tops.length * 2);
    tops.set(this.tops);
    this.tops = tops;
  }

  private grow(): void {
    const old = this.slots;
    const n = Math.ceil(old.length * GROWTH);
    const slots = new Float64Array(n).fill(EMPTY);
    for (let j = 0; j < old.length; j++) {
      const key = old[j]!;
      if (key === EMPTY) continue;
      let i = slotOf(key, n);
      while (slots[i] !== EMPTY) if (++i === n) i = 0;
      slots[i] = key;
    }
    this.slots = slots;
  }
}
