// The student ids the warehouse holds, in the StudentWatcher's memory: what reconciliation compares
// the source's ids with to find back-filled rows.

/**
 * The ids the warehouse holds, ascending, without repeats: a growable Float64Array (8 bytes an id,
 * 8 MB for 1M students) searched by bisection. New rows append; back-fills merge in.
 */
export class SortedIds {
  private a: Float64Array;
  length = 0;

  constructor(capacity = 1024) {
    this.a = new Float64Array(capacity);
  }

  /** From the resume's ids: sorted and deduplicated here, once, whatever the sender did. */
  static from(ids: Float64Array): SortedIds {
    const s = new SortedIds(Math.max(1024, ids.length));
    const sorted = Float64Array.from(ids).sort();
    for (const id of sorted) if (s.length === 0 || id !== s.a[s.length - 1]) s.a[s.length++] = id;
    return s;
  }

  get last(): number {
    return this.length === 0 ? -Infinity : this.a[this.length - 1]!;
  }

  /** How many ids are <= x. */
  private rank(x: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.a[mid]! <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  has(id: number): boolean {
    const i = this.rank(id);
    return i > 0 && this.a[i - 1] === id;
  }

  /** How many ids with after < id <= upTo. */
  countIn(after: number, upTo: number): number {
    return this.rank(upTo) - this.rank(after);
  }

  addMany(ids: readonly number[]): void {
    const add = [...new Set(ids)].filter((id) => !this.has(id)).sort((x, y) => x - y);
    if (add.length === 0) return;
    if (add[0]! > this.last) {
      this.reserve(this.length + add.length);
      for (const id of add) this.a[this.length++] = id;
      return;
    }
    // A back-fill: one merge into a new array, O(n + k), rather than a shift per id.
    const merged = new Float64Array(Math.max(this.a.length, this.length + add.length));
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < this.length || j < add.length) {
      if (j === add.length || (i < this.length && this.a[i]! < add[j]!)) merged[k++] = this.a[i++]!;
      else merged[k++] = add[j++]!;
    }
    this.a = merged;
    this.length = k;
  }

  private reserve(n: number): void {
    if (n <= this.a.length) return;
    const grown = new Float64Array(Math.max(n, this.a.length * 2));
    grown.set(this.a.subarray(0, this.length));
    this.a = grown;
  }
}
