// Counts that only grow, from actors whose own counters start again at 0 in every incarnation (a
// crash, a hot restart): Prometheus' counters must not go back, and a restart must not lose what the
// incarnation before it counted. The supervisor keeps an incarnation's last counters until the next
// one runs, so the caller samples at every actor.start, actor.stopped and actor.crash (and at each
// scrape): each incarnation is seen from its start to its end. What an incarnation counted after
// its last heartbeat is not known to the supervisor, and so not here (at most a second's worth).
import type { ActorStatus } from '../runtime/supervisor.ts';
import { decodeFreshness, emptyFreshness, type FreshnessCounts } from '../domain/freshness.ts';

interface Seen {
  thread: number | null;
  values: Map<string, number>;
  freshness: FreshnessCounts | null;
}

/** A counter's number; a lag can read "50000+" (counted up to a bound): its number. */
export function counterNumber(v: number | string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'number' ? v : Number.parseFloat(v);
  return Number.isFinite(n) ? n : undefined;
}

export class Totals {
  private readonly seen = new Map<string, Seen>();
  /** actor → counter → total over every incarnation. */
  private readonly sums = new Map<string, Map<string, number>>();
  /** The Aggregator's freshness buckets over every incarnation. */
  readonly freshness = emptyFreshness();

  /** `keys`: the counters to total (records, rejected, commits, ...); `freshnessKey`: the counter of encoded buckets. */
  constructor(
    private readonly keys: readonly string[],
    private readonly freshnessKey: string,
  ) {}

  total(actor: string, key: string): number {
    return this.sums.get(actor)?.get(key) ?? 0;
  }

  sample(status: readonly ActorStatus[]): void {
    for (const a of status) {
      const prev = this.seen.get(a.name);
      // Another thread is another incarnation, counting from 0; no thread: the last one's counters.
      const fresh = prev === undefined || (a.threadId !== null && a.threadId !== prev.thread);
      const seen: Seen = { thread: a.threadId ?? prev?.thread ?? null, values: new Map(), freshness: null };
      let sums = this.sums.get(a.name);
      if (sums === undefined) this.sums.set(a.name, (sums = new Map()));
      for (const key of this.keys) {
        const v = counterNumber(a.counters[key]);
        if (v === undefined) {
          if (!fresh && prev!.values.has(key)) seen.values.set(key, prev!.values.get(key)!);
          continue;
        }
        const before = fresh ? 0 : (prev!.values.get(key) ?? 0);
        // Lower than before: a count from 0 we did not see start (an incarnation that died starting).
        const delta = v >= before ? v - before : v;
        sums.set(key, (sums.get(key) ?? 0) + delta);
        seen.values.set(key, v);
      }
      const h = decodeFreshness(a.counters[this.freshnessKey]);
      if (h !== null) {
        const before = fresh || prev!.freshness === null || h.count < prev!.freshness.count ? null : prev!.freshness;
        for (let i = 0; i < h.buckets.length; i++) this.freshness.buckets[i]! += h.buckets[i]! - (before?.buckets[i] ?? 0);
        this.freshness.count += h.count - (before?.count ?? 0);
        this.freshness.sumMs += h.sumMs - (before?.sumMs ?? 0);
        seen.freshness = h;
      } else if (!fresh) {
        seen.freshness = prev!.freshness;
      }
      this.seen.set(a.name, seen);
    }
  }
}
