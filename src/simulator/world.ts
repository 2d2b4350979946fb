// The three record streams together, over one logical clock: the history in one go, then live
// events that live.ts schedules. Each stream draws from its own seeded generator and events run in
// logical-time order, so the records depend on the seed and the sequence of events, never on
// wall-clock timing.
import type { GenContext, Sinks } from './context.ts';
import { BatchGen } from './gen-batches.ts';
import { RunGen } from './gen-runs.ts';
import { StudentGen } from './gen-students.ts';
import type { Ledger } from './ledger.ts';
import { DAY_MS } from './names.ts';
import type { Resolved } from './options.ts';

/** The history spans the three years before the epoch. */
export const HISTORY_SPAN_MS = 3 * 365 * DAY_MS;

export interface HistoryTimings {
  batchesMs: number;
  studentsMs: number;
  testRunsMs: number;
}

export class World {
  readonly ctx: GenContext;
  readonly batches: BatchGen;
  readonly students: StudentGen;
  readonly runs: RunGen;

  constructor(o: Resolved, ledger: Ledger, sinks: Sinks) {
    this.ctx = { seed: o.seed, lessons: o.lessons, faults: o.faults, tuning: o.tuning, ledger, sinks, now: o.epochMs - HISTORY_SPAN_MS };
    this.batches = new BatchGen(this.ctx);
    this.students = new StudentGen(this.ctx, this.batches, o.history.students + 1024);
    this.runs = new RunGen(this.ctx, this.students);
  }

  /**
   * Batches over the whole span, students from 2% into it, test runs from 3% (so that the first
   * ones have someone to belong to). `inTransaction` wraps the students so they commit once.
   */
  history(o: Resolved, inTransaction: (fn: () => void) => void): HistoryTimings {
    const t1 = o.epochMs;
    const t0 = t1 - HISTORY_SPAN_MS;
    const a = performance.now();
    this.batches.history(o.history.batches, t0, t1);
    const b = performance.now();
    inTransaction(() => this.students.history(o.history.students, t0 + HISTORY_SPAN_MS * 0.02, t1));
    const c = performance.now();
    this.runs.history(o.history.testRuns, t0 + HISTORY_SPAN_MS * 0.03, t1);
    const d = performance.now();
    this.ctx.now = t1;
    return { batchesMs: b - a, studentsMs: c - b, testRunsMs: d - c };
  }

  rotate(): void {
    this.ctx.ledger.rotated();
    this.ctx.sinks.rotate();
  }

  truncate(): void {
    this.ctx.ledger.truncated();
    this.ctx.sinks.truncate();
  }
}
