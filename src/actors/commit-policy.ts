// When the Aggregator commits: the group-commit policy, apart from the writer it drives.
//
// A commit happens once the messages already delivered are applied: setImmediate runs after the
// event-loop phase that delivers port messages, so a burst shares one commit and a lone message
// commits at once. A transaction open `maxMs`, or holding `maxRecords`, commits at once. Under
// heavy load (more than HEAVY_PER_MS records per ms over the last HEAVY_WINDOW_MS) a commit waits
// HEAVY_COMMIT_MS for more: each commit rewrites every page it dirtied (the students rows of a
// whole school, at 500,000 runs/s), so commits every millisecond cost more than the records in
// them. Measured with bench/freshness.ts: sustained 400,000 -> 500,000 runs/s, catch-up
// 0.85M -> 1.35M runs/s.

/** 200,000 records/s. */
export const HEAVY_PER_MS = 200;
export const HEAVY_COMMIT_MS = 4;
export const HEAVY_WINDOW_MS = 25;

export interface CommitPolicyOptions {
  maxMs: number;
  maxRecords: number;
}

export class CommitPolicy {
  private scheduled = false;
  private txStart = 0;
  private txRecords = 0;
  /** Measured at commits only (see added()). */
  private heavy = false;
  private windowStart = performance.now();
  private windowRecords = 0;
  private lastCommit = performance.now();

  constructor(
    private readonly o: CommitPolicyOptions,
    /** Commits the open transaction; the policy calls it, then is told with committed(). */
    private readonly commit: () => void,
  ) {}

  /** A transaction was begun. */
  begun(): void {
    this.txStart = Date.now();
    this.txRecords = 0;
  }

  /** `records` were applied in the open transaction: commit now, or schedule the commit. */
  added(records: number): void {
    this.txRecords += records;
    if (this.txRecords >= this.o.maxRecords || Date.now() - this.txStart >= this.o.maxMs) {
      this.commit();
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    // `heavy` is measured at commits (measured again here, at every message, catch-up was worse:
    // 0.8-1.0M runs/s against 1.1-1.4M, two runs each of bench/freshness.ts), so it is as old as
    // the last commit. A whole measuring window without one means the load stopped: the record
    // after it commits at once. (It waited HEAVY_COMMIT_MS: in a trace of bench/freshness.ts, the
    // first 2 probes after the history loaded.)
    if (this.heavy && performance.now() - this.lastCommit >= HEAVY_WINDOW_MS) this.quiet();
    const fire = (): void => {
      this.scheduled = false;
      this.commit();
    };
    if (this.heavy) setTimeout(fire, HEAVY_COMMIT_MS);
    else setImmediate(fire);
  }

  /** The transaction of `added` records was committed (by the schedule or anyone else). */
  committed(): void {
    const t = performance.now();
    this.lastCommit = t;
    this.windowRecords += this.txRecords;
    this.txRecords = 0;
    if (t - this.windowStart >= HEAVY_WINDOW_MS) {
      this.heavy = this.windowRecords / (t - this.windowStart) > HEAVY_PER_MS;
      this.windowStart = t;
      this.windowRecords = 0;
    }
  }

  private quiet(): void {
    this.heavy = false;
    this.windowStart = performance.now();
    this.windowRecords = 0;
  }

  /** Whether the next commit waits for more (for tests and status). */
  get underHeavyLoad(): boolean {
    return this.heavy;
  }
}
