// Polling the batches API (CONTRACTS §1) for what is new since a cursor the warehouse acked. Each
// poll re-reads a look-back window (late batches appear up to 60 s behind the newest served) and
// pages forward by (created_at, id) until has_more is false; every page is handed over (with the
// cursor it reaches) as it is read. What this poller already handed over is remembered, so that a
// re-read of the window sends only what changed.
//
// The window is 60 s behind the cursor acked when the PREVIOUS scan began, not behind the one
// acked now: a late batch can appear while a scan runs, behind the page the scan is on, and the
// same scan can then move the cursor on by more than 60 s (newer batches arriving meanwhile).
// Behind the cursor of now, the next window would start past it, and it would never be read. Any
// batch that appears during scan k is within 60 s of the newest served then, which is at or past
// the cursor acked when scan k began.
//
// A restart (kill -9 too) must look back as far: every cursor handed over carries, as
// `rescan_from`, the created_at the window of the scan that handed it was measured from (the scan
// is read again whole if it is cut short), and a scan that ends moves it on to where the next
// window will be measured from, handing the cursor over once more if it changed. A poller that
// starts measures its first window from the stored cursor's `rescan_from`. From the cursor alone,
// a late batch that appeared during the last scan before the restart would be behind the window,
// and lost.
import type { Batch, Rejected } from '../../domain/records.ts';
import type { BatchCursor } from '../../domain/offsets.ts';
import type { BatchesApi } from './api.ts';
import { apiErrors } from './errors.ts';
import { compareCursor, maxCursor, PAGE_LIMIT, readPage, sinceFloor } from './paging.ts';

/** Default 60_001: CONTRACTS' 60 s, inclusive (`after` is exclusive). */
export const DEFAULT_LOOK_BACK_MS = 60_001;
/** Reject keys remembered to skip re-sending; beyond it the memory starts over (a repeat is harmless). */
const MAX_REJECT_KEYS = 10_000;

export interface PollerOptions {
  api: BatchesApi;
  /** YYYY-MM-DD: only batches created on or after that day (UTC). */
  since?: string;
  lookBackMs: number;
}

/** One page's worth to store: awaited before the next page is asked for. */
export type Hand = (batches: Batch[], rejected: Rejected[], cursor: BatchCursor) => Promise<void>;

export class BatchPoller {
  /** The cursor of the last page handed over (not yet acked, maybe). */
  sentCursor: BatchCursor = null;
  private readonly floor: string | null;
  private readonly sentBatches = new Map<number, { raw: string; createdAt: string }>();
  private sentRejects = new Set<string>();
  /**
   * Where the last poll failed (a page that could not be had), when it did: the next poll goes on
   * from that page instead of the window's start. Under a steady rate of faults a poll over a long
   * window would otherwise rarely get to its end. The window is read whole again by the poll after.
   */
  private failedAt: { after?: string; afterId?: number } | null = null;
  /** The acked cursor when the current scan (a poll and the polls that went on after it failed) began. */
  private scanStart: BatchCursor | undefined;
  /** The created_at the current scan's window is measured from (null: from the start). */
  private scanFrom: string | null = null;
  /** The `rescan_from` of the last cursor handed over (at first, the stored one's). */
  private sentRescan: string | null | undefined;

  constructor(private readonly o: PollerOptions) {
    this.floor = o.since === undefined ? null : sinceFloor(o.since);
  }

  /**
   * One poll from `committed` (what the warehouse holds): the look-back window behind it, then
   * forward to has_more = false. Rejects with ApiError when a page cannot be had; what was handed
   * over before stays handed over. `onPage` is called after each page.
   */
  async poll(committed: BatchCursor, hand: Hand, onPage: () => void, signal: AbortSignal): Promise<void> {
    let after: string | undefined;
    let afterId: number | undefined;
    if (this.failedAt !== null) {
      ({ after, afterId } = this.failedAt);
    } else {
      // A new scan: behind where the previous scan began (see above), then remembered for the next.
      const anchor = this.scanStart === undefined ? rescanAnchor(committed) : this.scanStart;
      if (this.scanStart === undefined) this.sentRescan = anchor?.created_at ?? null;
      this.scanStart = committed;
      this.scanFrom = anchor?.created_at ?? null;
      if (anchor !== null) after = new Date(Date.parse(anchor.created_at) - this.o.lookBackMs).toISOString();
      if (this.floor !== null && (after === undefined || after < this.floor)) after = this.floor;
      if (after !== undefined) {
        const start = after;
        for (const [id, s] of this.sentBatches) if (s.createdAt <= start) this.sentBatches.delete(id);
      }
    }
    let reached = maxCursor(committed, this.sentCursor);
    for (;;) {
      const at = { ...(after === undefined ? {} : { after }), ...(afterId === undefined ? {} : { afterId }) };
      let page;
      try {
        page = await this.o.api.fetchPage({ ...at, limit: PAGE_LIMIT }, signal);
      } catch (err) {
        this.failedAt = at;
        throw err;
      }
      const read = readPage(page.entries);
      const fresh = read.batches.filter(({ batch, raw }) => this.sentBatches.get(batch.id)?.raw !== raw);
      const rejected = read.rejected.filter((r) => !this.sentRejects.has(r.key));
      reached = maxCursor(reached, read.newest);
      if (fresh.length > 0 || rejected.length > 0 || compareCursor(reached, this.sentCursor) > 0) {
        await hand(fresh.map((f) => f.batch), rejected, withRescan(reached, this.scanFrom));
        this.sentRescan = this.scanFrom;
        this.sentCursor = reached;
        for (const { batch, raw } of fresh) this.sentBatches.set(batch.id, { raw, createdAt: batch.created_at });
        if (this.sentRejects.size + rejected.length > MAX_REJECT_KEYS) this.sentRejects = new Set();
        for (const r of rejected) this.sentRejects.add(r.key);
      }
      onPage();
      if (!page.hasMore) {
        this.failedAt = null;
        // Read whole: a restart from here on looks back from where the next scan will.
        const next = this.scanStart?.created_at ?? null;
        if (reached !== null && next !== this.sentRescan) {
          await hand([], [], withRescan(reached, next));
          this.sentRescan = next;
          this.sentCursor = reached;
        }
        return;
      }
      if (read.next === null) throw apiErrors.noCursor(this.o.api.url, page.entries.length);
      after = read.next.after;
      afterId = read.next.afterId;
    }
  }

  /** Whether the warehouse holds everything handed over. */
  acked(committed: BatchCursor): boolean {
    return compareCursor(committed, this.sentCursor) >= 0;
  }

  /** What was handed over was never acked: forget it, so that the next poll hands it over again. */
  forget(committed: BatchCursor): void {
    this.sentBatches.clear();
    this.sentRejects.clear();
    this.sentCursor = committed;
    this.failedAt = null;
  }
}

function withRescan(c: BatchCursor, rescanFrom: string | null): BatchCursor {
  return c === null ? null : { created_at: c.created_at, id: c.id, rescan_from: rescanFrom };
}

/** Where the first scan of a poller that starts from a stored cursor looks back from (see the top). */
function rescanAnchor(c: BatchCursor): BatchCursor {
  if (c === null || c.rescan_from === undefined) return c;
  return c.rescan_from === null ? null : { created_at: c.rescan_from, id: 0 };
}
