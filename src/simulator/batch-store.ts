// What the batches API serves: one entry per batch id, kept sorted by (created_at, id), each with
// its JSON pre-rendered, so that a page is a binary search and a join: paging through 100,000
// batches costs O(pages x log n), not O(n) per page.

export interface StoredBatch {
  /** The sort key's id (for an invalid batch, the served `id` field may differ). */
  id: number;
  createdMs: number;
  /** Exactly what goes into the page. */
  json: string;
}

function before(a: StoredBatch, ms: number, id: number): boolean {
  return a.createdMs < ms || (a.createdMs === ms && a.id < id);
}

export class BatchStore {
  private readonly list: StoredBatch[] = [];
  private readonly byId = new Map<number, StoredBatch>();

  get size(): number {
    return this.list.length;
  }

  /** Serves `b`; an entry with the same id is replaced (a batch served again). */
  publish(b: StoredBatch): void {
    const old = this.byId.get(b.id);
    if (old !== undefined) this.list.splice(this.lowerBound(old.createdMs, old.id), 1);
    this.byId.set(b.id, b);
    const last = this.list[this.list.length - 1];
    if (last === undefined || before(last, b.createdMs, b.id)) this.list.push(b);
    else this.list.splice(this.lowerBound(b.createdMs, b.id), 0, b);
  }

  /** First index whose (createdMs, id) is not before (ms, id). */
  private lowerBound(ms: number, id: number): number {
    let lo = 0;
    let hi = this.list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(this.list[mid]!, ms, id)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * The page of CONTRACTS §1: entries with created_at > after, or = after and id > afterId;
   * all entries when `afterMs` is null.
   */
  page(afterMs: number | null, afterId: number | null, limit: number): { items: StoredBatch[]; hasMore: boolean } {
    let start = 0;
    if (afterMs !== null) {
      // "strictly later than (after, afterId)" = "not before (after, afterId + 1)"; with no
      // afterId, every id at `after` is excluded.
      start = afterId === null ? this.lowerBound(afterMs, Number.POSITIVE_INFINITY) : this.lowerBound(afterMs, afterId + 1);
    }
    return { items: this.list.slice(start, start + limit), hasMore: start + limit < this.list.length };
  }

  newestMs(): number {
    return this.list[this.list.length - 1]?.createdMs ?? Number.NEGATIVE_INFINITY;
  }
}
