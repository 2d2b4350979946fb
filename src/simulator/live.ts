// Live arrivals on a logical clock. Stream j's k-th event happens at k / rate_j seconds of live
// time; advancing the clock runs every event due, in time order (batches, then students, then
// lines at equal times). Wall time only decides how far the clock has got, so the records are the
// same whatever the tick sizes were.
import type { World } from './world.ts';

export interface LiveRates {
  batchesPerSec: number;
  studentsPerSec: number;
  testRunsPerSec: number;
  /** Seconds between rotations / truncations; 0 = never. */
  rotateEverySec: number;
  truncateEverySec: number;
}

type Stream = 'batch' | 'student' | 'line' | 'rotate' | 'truncate';
const STREAMS: readonly Stream[] = ['batch', 'student', 'line', 'rotate', 'truncate'];

export class LiveClock {
  /** Live time so far, ms. */
  elapsedMs = 0;
  private readonly done: Record<Stream, number> = { batch: 0, student: 0, line: 0, rotate: 0, truncate: 0 };
  private readonly periodMs: Record<Stream, number>;

  constructor(
    private readonly world: World,
    private readonly epochMs: number,
    rates: LiveRates,
  ) {
    const period = (perSec: number) => (perSec > 0 ? 1000 / perSec : Number.POSITIVE_INFINITY);
    const every = (sec: number) => (sec > 0 ? sec * 1000 : Number.POSITIVE_INFINITY);
    this.periodMs = {
      batch: period(rates.batchesPerSec),
      student: period(rates.studentsPerSec),
      line: period(rates.testRunsPerSec),
      rotate: every(rates.rotateEverySec),
      truncate: every(rates.truncateEverySec),
    };
  }

  /** When stream `s`'s next event is due: computed from the count, so no rounding accumulates. */
  private due(s: Stream): number {
    return (this.done[s] + 1) * this.periodMs[s];
  }

  /** Moves live time on by `deltaMs`, running every event that falls due. Returns how many ran. */
  advance(deltaMs: number): number {
    const target = this.elapsedMs + deltaMs;
    const ctx = this.world.ctx;
    let ran = 0;
    for (;;) {
      let next: Stream | null = null;
      let at = Number.POSITIVE_INFINITY;
      for (const s of STREAMS) {
        const d = this.due(s);
        if (d < at) {
          at = d;
          next = s;
        }
      }
      if (next === null || at > target) break;
      ctx.now = this.epochMs + Math.floor(at);
      this.done[next]++;
      ran++;
      switch (next) {
        case 'batch':
          this.world.batches.event();
          break;
        case 'student':
          this.world.students.event();
          break;
        case 'line':
          this.world.runs.event();
          break;
        case 'rotate':
          this.world.rotate();
          break;
        case 'truncate':
          this.world.truncate();
          break;
        default: {
          const never: never = next;
          throw new Error(`unknown stream ${String(never)}`);
        }
      }
    }
    this.elapsedMs = target;
    ctx.now = this.epochMs + Math.floor(target);
    return ran;
  }
}
