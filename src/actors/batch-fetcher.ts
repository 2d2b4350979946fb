// BatchFetcher: polls the batches API (CONTRACTS §1) and hands every page to the Aggregator with the
// cursor it reaches (sources/batches/poller.ts). A failed poll is logged and counted, never a
// crash: the next poll starts again from the cursor the warehouse acked, so nothing is skipped.
import { defineSource } from './source.ts';
import type { BatchCursor } from '../domain/offsets.ts';
import { isDate } from '../domain/validate.ts';
import { BatchesApi, type RetryOptions } from '../sources/batches/api.ts';
import { ApiError } from '../sources/batches/errors.ts';
import { cursorText, maxCursor } from '../sources/batches/paging.ts';
import { BatchPoller, DEFAULT_LOOK_BACK_MS, type Hand } from '../sources/batches/poller.ts';

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
/** How long a poll waits for the acks of its pages before the next one starts anyway (from the acked cursor). */
const ACK_WAIT_MS = 30_000;

export default defineSource({
  source: 'batches',
  lagUnit: 'ms',
  args: (a) => {
    const token = a.optionalString('token', 'the API token');
    const since = a.optionalChecked('since', 'a date YYYY-MM-DD', isDate);
    const timeoutMs = a.optionalInt('timeoutMs');
    const retry = a.optionalInts('retry', ['initialMs', 'maxMs', 'limit'] as const);
    return {
      api: a.string('api', 'the API base URL'),
      pollMs: a.int('pollMs', DEFAULT_POLL_MS),
      lookBackMs: a.int('lookBackMs', DEFAULT_LOOK_BACK_MS),
      ...(token === undefined ? {} : { token }),
      ...(since === undefined ? {} : { since }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      ...(retry === undefined ? {} : { retry }),
    };
  },
  shown: (cursor) => cursorText(cursor),
  create(ctx, args) {
    const stats = { polls: 0, failed_polls: 0, retries: 0, pages: 0 };
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
    const poller = new BatchPoller({ api, lookBackMs: args.lookBackMs, ...(args.since === undefined ? {} : { since: args.since }) });
    /** What the warehouse holds: from `resume`, then from each `committed`. */
    let committed: BatchCursor = null;
    let lastPollAt = 0;
    let lastError = '';

    const publish = (): void => {
      // The lag is the time since the last good poll.
      ctx.position(cursorText(maxCursor(committed, poller.sentCursor)), lastPollAt === 0 ? -1 : Date.now() - lastPollAt);
      ctx.publish({ ...stats, last_error: lastError });
    };
    const hand: Hand = async (batches, rejected, cursor) => {
      await ctx.send({ type: 'batches', batches, rejected, cursor });
      ctx.counted(batches.length, rejected.length);
    };

    return {
      committed(ack) {
        committed = maxCursor(committed, ack.offset);
      },

      async run(from) {
        committed = from.offset;
        ctx.log('batches.resume', { cursor: cursorText(committed), since: args.since ?? null });
        publish();
        while (!ctx.signal.aborted) {
          try {
            await poller.poll(
              committed,
              hand,
              () => {
                stats.pages++;
                publish();
              },
              ctx.signal,
            );
            stats.polls++;
            lastPollAt = Date.now();
            lastError = '';
          } catch (err) {
            if (ctx.signal.aborted) return;
            if (!(err instanceof ApiError)) throw err;
            stats.failed_polls++;
            lastError = err.message;
            ctx.log('batches.poll_failed', { error: err.message, kind: err.kind, failed_polls: stats.failed_polls, cursor: cursorText(committed) });
          }
          // The next poll starts from what the warehouse acked: wait until the acks reach what this
          // one sent. The Aggregator coalesces acks, so the cursor is compared, not acks counted.
          if (!(await ctx.sleep(ACK_WAIT_MS, () => poller.acked(committed))) && !ctx.signal.aborted) {
            ctx.log('batches.acks_late', { waitedMs: ACK_WAIT_MS, sent: cursorText(poller.sentCursor), committed: cursorText(committed) });
            poller.forget(committed);
          }
          publish();
          await ctx.pause(args.pollMs);
        }
      },

      stop() {
        api.close();
      },
    };
  },
});
