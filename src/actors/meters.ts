// The meters every actor's counters come from: one rate meter (records per second over the last
// few seconds), used by the three sources and the Aggregator alike.

/** Records per second over about `windowMs`, from samples taken at most every `sampleMs`. */
export class RateMeter {
  private total = 0;
  /** (time, total) samples, oldest first, spanning the window. */
  private readonly samples: { at: number; total: number }[] = [];

  constructor(
    private readonly windowMs = 5_000,
    private readonly sampleMs = 250,
    /** When counting starts (a test's own clock; rate() takes the same). */
    now = Date.now(),
  ) {
    this.samples.push({ at: now, total: 0 });
  }

  add(n: number): void {
    this.total += n;
  }

  get count(): number {
    return this.total;
  }

  /** The rate now; it decays to 0 when nothing is added. */
  rate(now = Date.now()): number {
    const last = this.samples[this.samples.length - 1];
    if (last === undefined || now - last.at >= this.sampleMs) this.samples.push({ at: now, total: this.total });
    while (this.samples.length > 2 && now - this.samples[1]!.at >= this.windowMs) this.samples.shift();
    const first = this.samples[0]!;
    return now > first.at ? Math.round(((this.total - first.total) * 1000) / (now - first.at)) : 0;
  }
}
