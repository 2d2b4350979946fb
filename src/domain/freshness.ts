// Freshness as a histogram: the Aggregator counts each commit that carried test runs into fixed
// buckets (from the oldest line's read to its commit), and the web server's /metrics turns the
// counts into a Prometheus histogram. Only counts cross the thread boundary (an actor's published
// counters are sampled once a heartbeat, so single observations would be lost between two samples);
// counts that only grow lose nothing. Pure code: both sides share the buckets and the encoding.

/** Upper bounds in milliseconds (the last bucket, +Inf, is implicit). Freshness is measured to the millisecond. */
export const FRESHNESS_BUCKETS_MS: readonly number[] = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

export interface FreshnessCounts {
  /** Observations per bucket, not cumulative; one more than FRESHNESS_BUCKETS_MS (the last is +Inf). */
  buckets: number[];
  count: number;
  sumMs: number;
}

export function emptyFreshness(): FreshnessCounts {
  return { buckets: new Array<number>(FRESHNESS_BUCKETS_MS.length + 1).fill(0), count: 0, sumMs: 0 };
}

export function observeFreshness(h: FreshnessCounts, ms: number): void {
  let i = 0;
  while (i < FRESHNESS_BUCKETS_MS.length && ms > FRESHNESS_BUCKETS_MS[i]!) i++;
  h.buckets[i]!++;
  h.count++;
  h.sumMs += ms;
}

/** As one counter value: "b0,b1,...,bN;count;sumMs". */
export function encodeFreshness(h: FreshnessCounts): string {
  return `${h.buckets.join(',')};${h.count};${h.sumMs}`;
}

/** The counts of encodeFreshness(); null for anything else (a counter of another version, say). */
export function decodeFreshness(s: unknown): FreshnessCounts | null {
  if (typeof s !== 'string') return null;
  const [b, count, sum] = s.split(';');
  const buckets = (b ?? '').split(',').map(Number);
  if (buckets.length !== FRESHNESS_BUCKETS_MS.length + 1 || buckets.some((n) => !Number.isInteger(n) || n < 0)) return null;
  const h = { buckets, count: Number(count), sumMs: Number(sum) };
  return Number.isInteger(h.count) && Number.isFinite(h.sumMs) ? h : null;
}
