// The Aggregator's acks to the sources: after a commit each source is told the newest offset it
// has committed. At most one ack is in flight per source; a newer one waiting replaces an older
// (a slow source gets the newest, not every one). An ack is never awaited by the commit path: a
// source restarting must not hold up commits, and a lost ack is harmless (it drives a source's
// counters and its next poll; sources resume from the warehouse, not from acks).
import { receiverGone } from '../runtime/errors.ts';
import type { SourceName } from '../domain/records.ts';
import type { Committed } from './messages.ts';

export class Acks {
  private readonly newest = new Map<SourceName, Committed>();
  private readonly inFlight = new Set<SourceName>();

  constructor(
    private readonly send: (source: SourceName, msg: Committed) => Promise<void>,
    /** A send that failed for another reason than its receiver being gone. */
    private readonly failed: (source: SourceName, err: unknown) => void,
  ) {}

  /** The newest committed offset of `ack.source`, to be sent at the next flush. */
  set(ack: Committed): void {
    this.newest.set(ack.source, ack);
  }

  /** Sends what is waiting, a source at a time. */
  flush(): void {
    for (const source of this.newest.keys()) this.sendOne(source);
  }

  private sendOne(source: SourceName): void {
    if (this.inFlight.has(source)) return;
    const msg = this.newest.get(source);
    if (msg === undefined) return;
    this.newest.delete(source);
    this.inFlight.add(source);
    this.send(source, msg)
      .catch((err: unknown) => {
        // Its receiver stopped (or this actor is stopping): it resumes from the warehouse when back.
        if (!receiverGone(err)) this.failed(source, err);
      })
      .finally(() => {
        this.inFlight.delete(source);
        this.sendOne(source);
      });
  }
}
