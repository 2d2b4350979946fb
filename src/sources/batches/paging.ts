// Keyset paging over the batches API (CONTRACTS §1), shared by the streaming BatchFetcher and the
// from-scratch `rebuild`, so that both validate, reject and page the same way.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Batch, Rejected } from '../../domain/records.ts';
import type { BatchCursor } from '../../domain/offsets.ts';
import { batchRejectKey } from '../../domain/keys.ts';
import { checkBatch, isDate, isTimestamp } from '../../domain/validate.ts';
import { cutRaw } from '../../domain/records.ts';
import { stringifyExact } from '../../domain/json-exact.ts';
import type { BatchesApi } from './api.ts';
import { ApiError, apiErrors } from './errors.ts';

/** The API's page size limit: fewer round trips, and the bound §1 allows. */
export const PAGE_LIMIT = 100;

export interface PageRead {
  /** The valid entries, in page order, each with the JSON it was served as. */
  batches: { batch: Batch; raw: string }[];
  rejected: Rejected[];
  /** The newest valid batch of the page by (created_at, id), or null. */
  newest: BatchCursor;
  /**
   * Where the next page starts: the last entry with a valid created_at and positive integer id,
   * valid or not (an invalid batch can be last on a page and still sorts where it says).
   */
  next: { after: string; afterId: number } | null;
}

/** Orders cursors by (created_at, id); null is before everything. Timestamps of one format compare as text. */
export function compareCursor(a: BatchCursor, b: BatchCursor): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? -1 : 1;
  return a.id - b.id;
}

export function maxCursor(a: BatchCursor, b: BatchCursor): BatchCursor {
  return compareCursor(a, b) >= 0 ? a : b;
}

export function cursorText(c: BatchCursor): string {
  return c === null ? 'none' : `${c.created_at}#${c.id}`;
}

/**
 * `after` for "created on or after `since`": §1's `after` is exclusive, so one millisecond before
 * midnight UTC of that day.
 */
export function sinceFloor(since: string): string {
  if (!isDate(since)) throw new TypeError(`since must be a date YYYY-MM-DD, got ${JSON.stringify(since)}`);
  return new Date(Date.parse(`${since}T00:00:00.000Z`) - 1).toISOString();
}

export function readPage(entries: readonly unknown[]): PageRead {
  const out: PageRead = { batches: [], rejected: [], newest: null, next: null };
  for (const entry of entries) {
    const raw = stringifyExact(entry) ?? String(entry);
    const checked = checkBatch(entry);
    if (checked.ok) {
      const b = checked.value;
      out.batches.push({ batch: b, raw });
      out.newest = maxCursor(out.newest, { created_at: b.created_at, id: b.id });
    } else {
      out.rejected.push({ source: 'batches', reason: checked.reason, raw: cutRaw(raw), key: batchRejectKey(raw) });
    }
    if (typeof entry === 'object' && entry !== null) {
      const o = entry as Record<string, unknown>;
      const id = o['id'];
      if (isTimestamp(o['created_at']) && typeof id === 'number' && Number.isSafeInteger(id) && id > 0) out.next = { after: o['created_at'], afterId: id };
    }
  }
  return out;
}

export interface AllBatches {
  /** The latest version of each id, by id. */
  batches: Batch[];
  /** Each reject key once. */
  rejected: Rejected[];
  /** The newest valid batch by (created_at, id): where streaming resumes after a rebuild. */
  cursor: BatchCursor;
}

/**
 * Everything the API holds now (created on or after `since` when given), page by page. A page whose
 * 200 body was bad is asked again (within the api's retry limit): a rebuild must not fail on one
 * garbled answer that a second request gets right.
 */
export async function fetchAllBatches(api: BatchesApi, opts: { since?: string; signal?: AbortSignal } = {}): Promise<AllBatches> {
  const batches = new Map<number, Batch>();
  const rejected = new Map<string, Rejected>();
  let cursor: BatchCursor = null;
  let q: { after?: string; afterId?: number; limit: number } = { limit: PAGE_LIMIT };
  if (opts.since !== undefined) q.after = sinceFloor(opts.since);
  for (;;) {
    const page = await fetchWellFormed(api, q, opts.signal);
    const read = readPage(page.entries);
    // A batch served again while we page moves later in the order: the later sighting is the newer.
    for (const { batch } of read.batches) batches.set(batch.id, batch);
    for (const r of read.rejected) if (!rejected.has(r.key)) rejected.set(r.key, r);
    cursor = maxCursor(cursor, read.newest);
    if (!page.hasMore) break;
    if (read.next === null) throw apiErrors.noCursor(api.url, page.entries.length);
    q = { after: read.next.after, afterId: read.next.afterId, limit: PAGE_LIMIT };
  }
  return { batches: [...batches.values()].sort((a, b) => a.id - b.id), rejected: [...rejected.values()], cursor };
}

async function fetchWellFormed(api: BatchesApi, q: { after?: string; afterId?: number; limit: number }, signal: AbortSignal | undefined) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await api.fetchPage(q, signal);
    } catch (err) {
      if (!(err instanceof ApiError) || err.kind !== 'body' || attempt > api.retry.limit) throw err;
      await sleep(api.backoffMs(attempt), undefined, signal === undefined ? {} : { signal });
    }
  }
}
