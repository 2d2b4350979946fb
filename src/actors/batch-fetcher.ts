// BatchFetcher: polls the batches API (CONTRACTS §1) and hands every page to the Aggregator with the
// cursor it reaches. Each poll re-reads a look-back window behind the cursor the warehouse acked
// (late batches appear up to 60 s behind the newest served) and pages forward by (created_at, id)
// until has_more is false. A failed poll is logged and counted, never a crash: the next poll starts
// again from the acked cursor, so nothing is skipped.
import { defineActor } from '../runtime/index.ts';
import { ACTORS, type ToAggregator, type ToSource } from './messages.ts';
import { SourceSession } from './session.ts';
import type { Batch, Rejected } from '../domain/records.ts';
import type { BatchCursor } from '../domain/offsets.ts';
import { isDate } from '../domain/validate.ts';
import { ApiError, BatchesApi, type RetryOptions } from '../sources/batches/api.ts';
import { apiErrors } from '../sources/batches/errors.ts';
import { compareCursor, cursorText, maxCursor, PAGE_LIMIT, readPage, sinceFloor } from '../sources/batches/paging.ts';

export interface BatchFetcherArgs {
  /** The base URL `<api>`. */
  api: string;
  token?: string;
  /** YYYY-MM-DD: only batches created on or after that day (UTC). */
  since?: string;
  /** Pause between polls, default 1000. */
  pollMs?: number;
  /** Per request, default 5000. */
  timeoutMs?: number;
  /** Default 60_001: CONTRACTS' 60 s, inclusive (`after` is exclusive). */
  lookBackMs?: number;
  retry?: RetryOptions;
}

export const DEFAULT_POLL_MS = 1_000;
export const DEFAULT_LOOK_BACK_MS = 60_001;
/** How long a poll waits for the acks of its pages before the next one starts anyway (from the acked cursor). */
const ACK_WAIT_MS = 30_000;
/** Reject keys remembered to skip re-sending; beyond it the memory starts over (a repeat is harmless). */
const MAX_REJECT_KEYS = 10_000;

function checkArgs(a: unknown): Required<Pick<BatchFetcherArgs, 'api' | 'pollMs' | 'lookBackMs'>> & BatchFetcherArgs {
  const o = (a ?? {}) as Record<string, unknown>;
  const fail = (field: string, what: string): never => {
    throw new TypeError(`BatchFetcher args.${field} must be ${what}`);
  };
  if (typeof o['api'] !== 'string' || o['api'] === '') fail('api', 'the API base URL');
  if (o['token'] !== undefined && typeof o['token'] !== 'string') fail('token', 'a string');
  if (o['since'] !== undefined && !isDate(o['since'])) fail('since', 'a date YYYY-MM-DD');
  for (const f of ['pollMs', 'timeoutMs', 'lookBackMs'] as const) {
    const v = o[f];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)) fail(f, 'a positive integer (ms)');
  }
  const r = o['retry'] as Record<string, unknown> | undefined;
  if (r !== undefined && !(['initialMs', 'maxMs', 'limit'] as const).every((k) => typeof r[k] === 'number' && Number.isInteger(r[k]) && (r[k] as number) >= 0)) {
    fail('retry', '{ initialMs, maxMs, limit }, non-negative integers');
  }
  const args = o as unknown as BatchFetcherArgs;
  return { ...args, pollMs: args.pollMs ?? DEFAULT_POLL_MS, lookBackMs: args.lookBackMs ?? DEFAULT_LOOK_BACK_MS };
}

export default defineActor<ToSource, ToAggregator>({
  accepts: ['resume', 'committed'],
  create(ctx) {
    const args = checkArgs(ctx.args);
    const signal = ctx.signal;
    const session = new SourceSession(ctx, 'batches');
    const floor = args.since === undefined ? null : sinceFloor(args.since);
    const stats = { batches: 0, rejected: 0, polls: 0, failed_polls: 0, retries: 0, pages: 0 };
    const api = new BatchesApi({
      url: args.api,
      ...(args.token === undefined ? {} : { token: args.token }),
      ...(args.timeoutMs === undefined ? {} : { timeoutMs: args.timeoutMs }),
      ...(args.retry === undefined ? {} : { retry: args.retry }),
      onRetry: (r) => {
        stats.retries++;
        ctx.log('batches.retry', { attempt: r.attempt, delayMs: r.delayMs, reason: r.reason });
      },
    });

    /** What the warehouse holds: from `resume`, then from each `committed`. */
    let committed: BatchCursor = null;
    /** The cursor of the last message sent in this session (not yet acked, maybe). */
    let sentCursor: BatchCursor = null;
    let lastPollAt = 0;
    let lastError = '';
    // What this incarnation already sent: re-reads of the look-back window skip them unchanged.
    const sentBatches = new Map<number, { raw: string; createdAt: string }>();
    let sentRejects = new Set<string>();
    const wakers = new Set<() => void>();
    const wake = (): void => {
      for (const w of wakers) w();
      wakers.clear();
    };

    /** Resolves when `done()` holds, the signal aborts, or `ms` pass; true when `done()` holds. */
    const until = async (done: () => boolean, ms: number): Promise<boolean> => {
      const end = Date.now() + ms;
      while (!done() && !signal.aborted && Date.now() < end) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(finish, end - Date.now());
          function finish(): void {
            clearTimeout(timer);
            wakers.delete(finish);
            signal.removeEventListener('abort', finish);
            resolve();
          }
          wakers.add(finish);
          signal.addEventListener('abort', finish, { once: true });
        });
      }
      return done();
    };

    const publish = (): void => {
      ctx.publish({
        ...stats,
        cursor: cursorText(maxCursor(committed, sentCursor)),
        committed: cursorText(committed),
        lag_ms: lastPollAt === 0 ? -1 : Date.now() - lastPollAt,
        last_error: lastError,
      });
    };

    const send = async (batches: Batch[], rejected: Rejected[], cursor: BatchCursor): Promise<void> => {
      await ctx.send(ACTORS.aggregator, { type: 'batches', session: session.id, batches, rejected, cursor });
      sentCursor = cursor;
      stats.batches += batches.length;
      stats.rejected += rejected.length;
    };

    /** One poll: the look-back window behind the acked cursor, then forward to has_more = false. */
    const poll = async (): Promise<void> => {
      const base = committed;
      let after: string | undefined;
      if (base !== null) after = new Date(Date.parse(base.created_at) - args.lookBackMs).toISOString();
      if (floor !== null && (after === undefined || after < floor)) after = floor;
      if (after !== undefined) {
        const start = after;
        for (const [id, s] of sentBatches) if (s.createdAt <= start) sentBatches.delete(id);
      }
      let afterId: number | undefined;
      let reached = maxCursor(committed, sentCursor);
      for (;;) {
        const page = await api.fetchPage({ ...(after === undefined ? {} : { after }), ...(afterId === undefined ? {} : { afterId }), limit: PAGE_LIMIT }, signal);
        stats.pages++;
        const read = readPage(page.entries);
        const fresh = read.batches.filter(({ batch, raw }) => sentBatches.get(batch.id)?.raw !== raw);
        const rejected = read.rejected.filter((r) => !sentRejects.has(r.key));
        reached = maxCursor(reached, read.newest);
        if (fresh.length > 0 || rejected.length > 0 || compareCursor(reached, sentCursor) > 0) {
          await send(fresh.map((f) => f.batch), rejected, reached);
          for (const { batch, raw } of fresh) sentBatches.set(batch.id, { raw, createdAt: batch.created_at });
          if (sentRejects.size + rejected.length > MAX_REJECT_KEYS) sentRejects = new Set();
          for (const r of rejected) sentRejects.add(r.key);
        }
        publish();
        if (!page.hasMore) return;
        if (read.next === null) throw apiErrors.noCursor(api.url, page.entries.length);
        after = read.next.after;
        afterId = read.next.afterId;
      }
    };

    return {
      handle(msg) {
        switch (msg.type) {
          case 'resume': {
            const from = session.takeResume(msg);
            if (from === null) return;
            committed = from.offset;
            ctx.log('batches.resume', { cursor: cursorText(committed), since: args.since ?? null });
            break;
          }
          case 'committed': {
            const ack = session.mine(msg);
            if (ack === null) return;
            committed = maxCursor(committed, ack.offset);
            break;
          }
          default: {
            const never: never = msg;
            throw new Error(`BatchFetcher got an unexpected message ${JSON.stringify(never)}`);
          }
        }
        wake();
      },

      async run() {
        publish();
        if ((await session.open()) === null) return;
        while (!signal.aborted) {
          try {
            await poll();
            stats.polls++;
            lastPollAt = Date.now();
            lastError = '';
          } catch (err) {
            if (signal.aborted) return;
            if (!(err instanceof ApiError)) throw err;
            stats.failed_polls++;
            lastError = err.message;
            ctx.log('batches.poll_failed', { error: err.message, kind: err.kind, failed_polls: stats.failed_polls, cursor: cursorText(committed) });
          }
          // The next poll starts from what the warehouse acked: wait until the acks reach what this
          // one sent. The Aggregator coalesces acks, so the cursor is compared, not acks counted.
          if (!(await until(() => compareCursor(committed, sentCursor) >= 0, ACK_WAIT_MS)) && !signal.aborted) {
            // Never acked: forget it was sent, so that the next poll sends it again.
            ctx.log('batches.acks_late', { waitedMs: ACK_WAIT_MS, sent: cursorText(sentCursor), committed: cursorText(committed) });
            sentBatches.clear();
            sentRejects.clear();
            sentCursor = committed;
          }
          publish();
          await until(() => false, args.pollMs);
        }
      },

      stop() {
        api.close();
      },
    };
  },
});
