// The simulator's options: plain data with written defaults and limits, checked up front, one
// small check per field, each failing with a SimulatorError that names the field.
import { errors } from './errors.ts';
import { resolveFaults, type FaultOptions, type FaultRates } from './faults.ts';

export const LIMITS = {
  batches: 100_000,
  students: 1_000_000,
  testRuns: 20_000_000,
} as const;

export const DEFAULTS = {
  seed: 1,
  /** History ends and live time starts here, so that the same seed gives the same timestamps. */
  epoch: '2024-06-01T00:00:00.000Z',
  lessons: 40,
  history: { batches: 100, students: 5_000, testRuns: 500_000 },
  live: { batchesPerSec: 0.1, studentsPerSec: 5, testRunsPerSec: 500, tickMs: 50 },
  tuning: { tieSize: 150, slowMs: 2_000, retryAfterSec: 1, splitPauseMs: 200 },
} as const;

export interface HistoryOptions {
  batches?: number;
  students?: number;
  testRuns?: number;
}

export interface LiveOptions {
  batchesPerSec?: number;
  studentsPerSec?: number;
  testRunsPerSec?: number;
  /** No timer: live time moves only through `sim.step(ms)`, for tests that need exact records. */
  manual?: boolean;
  tickMs?: number;
}

export interface Tuning {
  /** Batches in one group sharing a created_at (the `ties` fault). */
  tieSize?: number;
  /** Delay of a slow answer. */
  slowMs?: number;
  /** The `Retry-After` of a 429, in seconds. */
  retryAfterSec?: number;
  /** The pause between the two parts of a split line. */
  splitPauseMs?: number;
}

export interface SimulatorOptions {
  /** Where `students.db` and `test_runs.log` go; created if missing. */
  dir: string;
  /** The API's port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  seed?: number;
  /** When set, every API request needs `Authorization: Bearer <token>`. */
  token?: string;
  /** When history ends and live time starts: ms since 1970, an ISO timestamp, or 'now'. */
  epoch?: number | string;
  /** Remove existing source files in `dir` first; without it, existing files are an error. */
  reset?: boolean;
  /** Lessons are numbered 1..lessons. */
  lessons?: number;
  history?: HistoryOptions;
  /** `false`: history only, nothing new arrives (the on-demand methods still work). */
  live?: LiveOptions | false;
  faults?: FaultOptions;
  tuning?: Tuning;
}

export interface Resolved {
  dir: string;
  port: number;
  seed: number;
  token: string | undefined;
  epochMs: number;
  reset: boolean;
  lessons: number;
  history: Required<HistoryOptions>;
  live: Required<LiveOptions> | false;
  faults: FaultRates;
  tuning: Required<Tuning>;
}

function int(name: string, v: unknown, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw errors.optionInteger(name, v);
  if (v < min || v > max) throw errors.optionRange(name, min, max, v);
  return v;
}

function num(name: string, v: unknown, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw errors.optionType(name, 'a number', v);
  if (v < min || v > max) throw errors.optionRange(name, min, max, v);
  return v;
}

export function parseEpoch(v: number | string | undefined): number {
  if (v === undefined) return Date.parse(DEFAULTS.epoch);
  if (v === 'now') return Date.now();
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 8.64e15) return v;
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(v)) {
    const ms = Date.parse(v);
    if (!Number.isNaN(ms) && new Date(ms).toISOString() === v) return ms;
  }
  throw errors.optionType('epoch', "'now', ms since 1970 or YYYY-MM-DDTHH:MM:SS.sssZ", v);
}

export function resolveOptions(o: SimulatorOptions): Resolved {
  if (typeof o !== 'object' || o === null) throw errors.optionType('options', 'an object', o);
  if (typeof o.dir !== 'string' || o.dir === '') throw errors.optionType('dir', 'a non-empty path', o.dir);
  if (o.token !== undefined && (typeof o.token !== 'string' || o.token === '' || /[\s]/.test(o.token))) {
    throw errors.optionType('token', 'a non-empty string without white space', '<hidden>');
  }
  const h = o.history ?? {};
  const l = o.live;
  const t = o.tuning ?? {};
  return {
    dir: o.dir,
    port: int('port', o.port, 0, 0, 65_535),
    seed: int('seed', o.seed, DEFAULTS.seed, 0, 0xffff_ffff),
    token: o.token,
    epochMs: parseEpoch(o.epoch),
    reset: o.reset === true,
    lessons: int('lessons', o.lessons, DEFAULTS.lessons, 1, 1_000),
    history: {
      batches: int('history.batches', h.batches, DEFAULTS.history.batches, 0, LIMITS.batches),
      students: int('history.students', h.students, DEFAULTS.history.students, 0, LIMITS.students),
      testRuns: int('history.testRuns', h.testRuns, DEFAULTS.history.testRuns, 0, LIMITS.testRuns),
    },
    live:
      l === false
        ? false
        : {
            batchesPerSec: num('live.batchesPerSec', l?.batchesPerSec, DEFAULTS.live.batchesPerSec, 0, 1_000),
            studentsPerSec: num('live.studentsPerSec', l?.studentsPerSec, DEFAULTS.live.studentsPerSec, 0, 10_000),
            testRunsPerSec: num('live.testRunsPerSec', l?.testRunsPerSec, DEFAULTS.live.testRunsPerSec, 0, 100_000),
            manual: l?.manual === true,
            tickMs: int('live.tickMs', l?.tickMs, DEFAULTS.live.tickMs, 5, 1_000),
          },
    faults: resolveFaults(o.faults),
    tuning: {
      tieSize: int('tuning.tieSize', t.tieSize, DEFAULTS.tuning.tieSize, 2, 10_000),
      slowMs: int('tuning.slowMs', t.slowMs, DEFAULTS.tuning.slowMs, 0, 600_000),
      retryAfterSec: int('tuning.retryAfterSec', t.retryAfterSec, DEFAULTS.tuning.retryAfterSec, 0, 3_600),
      splitPauseMs: int('tuning.splitPauseMs', t.splitPauseMs, DEFAULTS.tuning.splitPauseMs, 0, 60_000),
    },
  };
}

/** An argument of an on-demand method (`addBatches(n)`, `writeSplitLine({ pauseMs })`): checked like an option. */
export function checkArg(name: string, v: unknown, min: number, max: number): number {
  return int(name, v, min, min, max);
}
