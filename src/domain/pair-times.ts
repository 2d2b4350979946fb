// Completions with their event time: each (student, lesson) pair once, with the earliest
// `created_at` (ms) among its completing runs (CONTRACTS §4: what `qualified_at` is drawn from).
// Pure: no I/O. Used where completions are gathered (the LogTailer's reads of the log, the whole
// log read on one thread, computeWarehouse) before they reach the writer; a task of the parallel
// scan gathers them in PairRuns (pair-runs.ts), the same answer made another way.
//
// Open addressing with linear probing over two Float64Arrays, the packed key student * PACK +
// lesson (exact for 0 <= student < 2^32, 0 <= lesson < 2^21) and its time; a pair outside those
// bounds (rare) goes to a Map. A hash keeps the earliest time as it goes: sorting keys natively
// (what de-duplicated bare pairs) cannot carry a second array along.

export const PACK = 2 ** 21;
const PACK_STUDENTS = 2 ** 32;
const EMPTY = -1;
const MIN_SLOTS = 1024;

export const packs = (student: number, lesson: number): boolean => student >= 0 && student < PACK_STUDENTS && lesson >= 0 && lesson < PACK;

/** What adding a completion did: nothing, a new pair, or an earlier time for a known pair. */
export type Added = 0 | 1 | 2;
export const NONE = 0, NEW = 1, EARLIER = 2;

/** A slot in [0, n) for `key`: both 32-bit halves mixed, then mapped onto n (no power of two needed). */
export function slotOf(key: number, n: number): number {
  const lo = key % 4_294_967_296;
  const hi = (key - lo) / 4_294_967_296;
  let h = Math.imul(lo | 0, 0x9e3779b1) ^ Math.imul(hi | 0, 0x85ebca77);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return Math.floor(((h >>> 0) / 4_294_967_296) * n);
}

/** Distinct completions ascending by (student, lesson), with their times. */
export interface SortedTimes {
  /** Packed keys student * PACK + lesson, ascending. */
  keys: Float64Array;
  times: Float64Array;
  /** Pairs that do not pack, as [student, lesson, ms]. */
  odd: [number, number, number][];
}

export class PairTimes {
  private keys: Float64Array;
  private times: Float64Array;
  /** The slots in use, in insertion order: taking and emptying cost the pairs held, not the table's size. */
  private used: Int32Array;
  private count = 0;
  private odd: Map<string, [number, number, number]> | null = null;

  constructor(capacity = 0) {
    const n = Math.max(MIN_SLOTS, Math.ceil(capacity * 2));
    this.keys = new Float64Array(n).fill(EMPTY);
    this.times = new Float64Array(n);
    this.used = new Int32Array(n >> 1);
  }

  get size(): number {
    return this.count + (this.odd?.size ?? 0);
  }

  /** Adds a completing run of `student` on `lesson` at `ms`. */
  add(student: number, lesson: number, ms: number): Added {
    if (!packs(student, lesson)) return addOdd((this.odd ??= new Map()), student, lesson, ms);
    return this.addKey(student * PACK + lesson, ms);
  }

  addKey(key: number, ms: number): Added {
    const keys = this.keys;
    let i = slotOf(key, keys.length);
    for (;;) {
      const s = keys[i]!;
      if (s === EMPTY) break;
      if (s === key) {
        if (ms >= this.times[i]!) return NONE;
        this.times[i] = ms;
        return EARLIER;
      }
      if (++i === keys.length) i = 0;
    }
    keys[i] = key;
    this.times[i] = ms;
    this.used[this.count] = i;
    if (++this.count * 2 >= keys.length) this.grow();
    return NEW;
  }

  /** The earliest time of a packed key, or NaN when absent. */
  timeOfKey(key: number): number {
    const keys = this.keys;
    let i = slotOf(key, keys.length);
    for (;;) {
      const s = keys[i]!;
      if (s === EMPTY) return NaN;
      if (s === key) return this.times[i]!;
      if (++i === keys.length) i = 0;
    }
  }

  /** Every pair, ascending, with its earliest time; empties the set. */
  takeSorted(): SortedTimes {
    const n = this.count;
    const keys = new Float64Array(n);
    const times = new Float64Array(n);
    // The pairs out of the table first, in one pass (the table is several times their size and
    // read at random: each pass over it would miss the cache once a pair), and the range of their
    // students with them.
    const slots = this.keys;
    const gotKeys = new Float64Array(n);
    const gotTimes = new Float64Array(n);
    let lo = Infinity;
    let hi = -Infinity;
    for (let j = 0; j < n; j++) {
      const slot = this.used[j]!;
      const key = slots[slot]!;
      const s = Math.floor(key / PACK);
      gotKeys[j] = key;
      gotTimes[j] = this.times[slot]!;
      if (s < lo) lo = s;
      if (s > hi) hi = s;
    }
    // A count per student of the range: worth it only when the range is not much wider than the
    // pairs (a LogTailer's read of a few hundred pairs over 100,000 students is sorted instead).
    if (n > 0 && hi - lo <= 4 * n + 64) placePerStudent(gotKeys, gotTimes, n, lo, hi, keys, times);
    else {
      keys.set(gotKeys);
      keys.sort();
      for (let i = 0; i < n; i++) times[i] = this.timeOfKey(keys[i]!);
    }
    const odd = sortedOdd(this.odd);
    this.clear();
    return { keys, times, odd };
  }

  /** Every pair as [student, lesson, ms, ...], ascending; empties the set. */
  take(): Float64Array {
    return triplesOf(this.takeSorted());
  }

  private clear(): void {
    // Kept at its size up to 2^18 slots (4 MiB): a reader under load takes batches of tens of
    // thousands of pairs, and growing again from 1,024 slots for each rehashes it seven times.
    if (this.keys.length > 1 << 18) {
      this.keys = new Float64Array(MIN_SLOTS).fill(EMPTY);
      this.times = new Float64Array(MIN_SLOTS);
      this.used = new Int32Array(MIN_SLOTS >> 1);
    } else {
      for (let j = 0; j < this.count; j++) this.keys[this.used[j]!] = EMPTY;
    }
    this.count = 0;
    this.odd = null;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldTimes = this.times;
    const n = oldKeys.length * 2;
    const keys = new Float64Array(n).fill(EMPTY);
    const times = new Float64Array(n);
    const used = new Int32Array(n >> 1);
    for (let j = 0; j < this.count; j++) {
      const from = this.used[j]!;
      const key = oldKeys[from]!;
      let i = slotOf(key, n);
      while (keys[i] !== EMPTY) if (++i === n) i = 0;
      keys[i] = key;
      times[i] = oldTimes[from]!;
      used[j] = i;
    }
    this.keys = keys;
    this.times = times;
    this.used = used;
  }
}

/**
 * Pairs [0, n) of srcKeys (packed, in any order) and their times into keys and times, ascending,
 * their students spanning [lo, hi], a range small beside their number (a large read of the log, a
 * range of the parallel scan): counted per student, placed, then each student's few lessons put
 * in order in place; times move with their keys. Measured at 10,000,000 runs, a native sort of the
 * keys and a lookup of each one's time after it was 11% of the scan's threads' time.
 */
export function placePerStudent(srcKeys: Float64Array, srcTimes: Float64Array, n: number, lo: number, hi: number, keys: Float64Array, times: Float64Array): void {
  const at = new Uint32Array(hi - lo + 2);
  for (let j = 0; j < n; j++) at[Math.floor(srcKeys[j]! / PACK) - lo + 1]!++;
  for (let s = 1; s < at.length; s++) at[s]! += at[s - 1]!;
  for (let j = 0; j < n; j++) {
    const key = srcKeys[j]!;
    const i = at[Math.floor(key / PACK) - lo]!++;
    keys[i] = key;
    times[i] = srcTimes[j]!;
  }
  // Now at[s] is where student lo + s ends: each student's pairs, in insertion order, sorted in place.
  for (let s = 0, from = 0; s < at.length - 1; s++) {
    const to = at[s]!;
    if (to - from > 1) sortRun(keys, times, from, to);
    from = to;
  }
}

/** keys[from, to) ascending, times moved with them: insertion for the few lessons a student has, else by an index sort. */
function sortRun(keys: Float64Array, times: Float64Array, from: number, to: number): void {
  if (to - from <= 32) {
    for (let i = from + 1; i < to; i++) {
      const k = keys[i]!;
      const t = times[i]!;
      let j = i;
      for (; j > from && keys[j - 1]! > k; j--) {
        keys[j] = keys[j - 1]!;
        times[j] = times[j - 1]!;
      }
      keys[j] = k;
      times[j] = t;
    }
    return;
  }
  const order = Array.from({ length: to - from }, (_, i) => from + i).sort((a, b) => keys[a]! - keys[b]!);
  const k = order.map((i) => keys[i]!);
  const t = order.map((i) => times[i]!);
  keys.set(k, from);
  times.set(t, from);
}

/** A pair that does not pack into `odd` (keyed "student,lesson"), keeping its earliest time. */
export function addOdd(odd: Map<string, [number, number, number]>, student: number, lesson: number, ms: number): Added {
  const k = `${student},${lesson}`;
  const had = odd.get(k);
  if (had === undefined) {
    odd.set(k, [student, lesson, ms]);
    return NEW;
  }
  if (ms >= had[2]) return NONE;
  had[2] = ms;
  return EARLIER;
}

/** The pairs that do not pack, ascending by (student, lesson). */
export const sortedOdd = (odd: Map<string, [number, number, number]> | null): [number, number, number][] =>
  [...(odd?.values() ?? [])].sort((a, b) => a[0] - b[0] || a[1] - b[1]);

/** Sorted completions as triples [student, lesson, ms, ...], the odd pairs last. */
export function triplesOf(s: SortedTimes): Float64Array {
  const out = new Float64Array(3 * (s.keys.length + s.odd.length));
  let k = 0;
  for (let i = 0; i < s.keys.length; i++) {
    const key = s.keys[i]!;
    const lesson = key % PACK;
    out[k++] = (key - lesson) / PACK;
    out[k++] = lesson;
    out[k++] = s.times[i]!;
  }
  for (const [student, lesson, ms] of s.odd) {
    out[k++] = student;
    out[k++] = lesson;
    out[k++] = ms;
  }
  return out;
}
