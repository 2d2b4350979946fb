// startSimulator: the three simulated sources of CONTRACTS §6 behind one handle, for the command,
// the demo, the end-to-end tests and the benchmarks. Every hard case can be triggered on demand;
// `ledger` records everything produced, and `expected()` turns it into the warehouse to reach.
import { ApiServer, type ApiFault, type ApiStats } from './api-server.ts';
import { BatchStore } from './batch-store.ts';
import type { Sinks } from './context.ts';
import { errors } from './errors.ts';
import { expectedWarehouse, type ExpectOptions, type ExpectedWarehouse } from './expected.ts';
import { prepareDir, rotatedLogs, sourcePaths } from './files.ts';
import { checkRun, type RunFields } from './gen-runs.ts';
import {
  Ledger, LINE_VARIANTS, type BadLine, type BadLineKind, type InvalidBatchKind, type InvalidStudentKind, type LedgerBatch,
  type LedgerCounts, type LineVariant, type RejectedBatch, type RejectedStudent, type StudentRecord, type TestRun,
} from './ledger.ts';
import { LiveClock } from './live.ts';
import { LogWriter } from './log-writer.ts';
import { checkArg, LIMITS, resolveOptions, type Resolved, type SimulatorOptions } from './options.ts';
import { Rng } from './rng.ts';
import { StudentsWriter } from './students-writer.ts';
import { World, type HistoryTimings } from './world.ts';

const MAX_TICK_MS = 1_000;

export interface SimulatorStats {
  api: ApiStats;
  ledger: LedgerCounts;
  liveElapsedMs: number;
  paused: boolean;
}

export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const o = resolveOptions(options);
  const paths = sourcePaths(o.dir);
  prepareDir(paths, o.reset);
  const store = new BatchStore();
  const api = await ApiServer.start({ port: o.port, token: o.token, store, rng: new Rng(o.seed, 'api'), faults: o.faults, slowMs: o.tuning.slowMs, retryAfterSec: o.tuning.retryAfterSec });
  let students: StudentsWriter | undefined;
  let log: LogWriter | undefined;
  try {
    students = new StudentsWriter(paths.students);
    let sim: Simulator | undefined;
    log = new LogWriter(paths.log, (err) => sim?.fail(err));
    sim = new Simulator(o, paths, api, store, students, log);
    return sim;
  } catch (err) {
    // Close what was opened; the first error is the one to report.
    for (const close of [() => students?.close(), () => log?.close()]) {
      try {
        close();
      } catch {
        // already failing
      }
    }
    await api.close();
    throw err;
  }
}

export class Simulator {
  readonly apiUrl: string;
  readonly dir: string;
  readonly studentsPath: string;
  readonly logPath: string;
  readonly seed: number;
  readonly ledger: Ledger;
  /** How long each part of the history took to generate, ms. */
  readonly historyTimings: HistoryTimings;
  /** Set when live generation stopped on an error (a full disk, say). */
  error: Error | null = null;
  private readonly world: World;
  private readonly clock: LiveClock | null;
  private timer: NodeJS.Timeout | null = null;
  private lastWall = 0;
  private paused = false;
  private closed = false;
  private closing: Promise<void> | null = null;
  private lastSplit: { first: string; second: string } | null = null;

  /** @internal use startSimulator */
  constructor(
    private readonly o: Resolved,
    paths: { dir: string; students: string; log: string },
    private readonly api: ApiServer,
    store: BatchStore,
    private readonly students: StudentsWriter,
    private readonly log: LogWriter,
  ) {
    this.apiUrl = api.url;
    this.dir = paths.dir;
    this.studentsPath = paths.students;
    this.logPath = paths.log;
    this.seed = o.seed;
    this.ledger = new Ledger(o.seed);
    const sinks: Sinks = {
      batch: (b) => store.publish(b),
      student: (row) => students.insert(row),
      line: (text) => log.write(text),
      splitLine: (first, second, pauseMs) => {
        this.lastSplit = { first, second };
        log.split(first, second, pauseMs);
      },
      rotate: () => log.rotate(),
      truncate: () => log.truncate(),
    };
    this.world = new World(o, this.ledger, sinks);
    this.historyTimings = this.world.history(o, (fn) => students.transaction(fn));
    log.flush();
    const live = o.live;
    this.clock =
      live === false
        ? null
        : new LiveClock(this.world, o.epochMs, { ...live, rotateEverySec: o.faults.rotate, truncateEverySec: o.faults.truncate });
    if (live !== false && !live.manual) {
      this.lastWall = performance.now();
      this.timer = setInterval(() => this.tick(), live.tickMs);
      this.timer.unref();
    }
  }

  private tick(): void {
    if (this.paused || this.closed || this.clock === null) return;
    const now = performance.now();
    // After a stall (a suspended laptop, a debugger) live time resumes rather than catching up:
    // an hour's backlog in one synchronous tick would block the API for minutes.
    const delta = Math.min(now - this.lastWall, MAX_TICK_MS);
    this.lastWall = now;
    try {
      this.advance(delta);
    } catch (err) {
      this.fail(err as Error);
    }
  }

  /** @internal A write that failed outside any caller (a full disk, say): live arrivals stop, the API keeps serving. */
  fail(err: Error): void {
    if (this.error !== null) return;
    this.error = errors.liveStopped(err);
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    process.stderr.write(`batchboard simulate: ${this.error.message}\n`);
  }

  private advance(deltaMs: number): number {
    const ran = this.students.transaction(() => this.clock!.advance(deltaMs));
    this.log.flush();
    return ran;
  }

  /** Runs `fn` as one on-demand event: students in one transaction, lines handed to the file. */
  private op<T>(fn: () => T): T {
    if (this.closed) throw errors.closed();
    const out = this.students.transaction(fn);
    this.log.flush();
    return out;
  }

  /** Stops live arrivals; resolves once in-flight writes (a split line) are in the file. */
  async pause(): Promise<void> {
    this.paused = true;
    await this.log.settled();
  }

  resume(): void {
    this.paused = false;
    this.lastWall = performance.now();
  }

  /** Moves live time on by `ms` at once (with live.manual, or while paused). Returns the events run. */
  step(ms: number): number {
    if (this.closed) throw errors.closed();
    if (this.clock === null || (this.timer !== null && !this.paused)) throw errors.notManual();
    if (!Number.isFinite(ms) || ms < 0) throw errors.optionRange('step(ms)', 0, Number.MAX_SAFE_INTEGER, ms);
    return this.advance(ms);
  }

  /** Resolves once every line asked for so far is in the file. */
  settled(): Promise<void> {
    return this.log.settled();
  }

  // --- batches API ---
  /** `n` new batches; with `sameCreatedAt`, all with one created_at. */
  addBatches(n = 1, opts: { sameCreatedAt?: boolean } = {}): LedgerBatch[] {
    checkArg('n', n, 0, LIMITS.batches);
    return this.op(() => (opts.sameCreatedAt ? this.world.batches.tieGroup(n) : Array.from({ length: n }, () => this.world.batches.add())));
  }
  /** A new batch `lagMs` (default random, at most 60,000) before the newest created_at served. */
  addLateBatch(lagMs?: number): LedgerBatch {
    return this.op(() => this.world.batches.late(lagMs));
  }
  serveBatchAgain(id?: number, opts: { changed?: boolean } = {}): LedgerBatch {
    return this.op(() => this.world.batches.serveAgain(id, opts.changed));
  }
  addInvalidBatch(kind?: InvalidBatchKind): RejectedBatch {
    return this.op(() => this.world.batches.invalid(kind));
  }
  /** The next requests to /batches get these answers, in order, before any random fault. */
  nextApiResponses(faults: readonly ApiFault[]): void {
    this.api.nextResponses(faults);
  }

  // --- students ---
  insertStudents(n = 1, opts: { batchId?: number } = {}): StudentRecord[] {
    checkArg('n', n, 0, LIMITS.students);
    if (opts.batchId !== undefined) checkArg('batchId', opts.batchId, 1, 2_147_483_647);
    return this.op(() => Array.from({ length: n }, () => this.world.students.add(undefined, opts.batchId)));
  }
  /** A student with a free id below the high-water mark. */
  insertBackfillStudent(): StudentRecord {
    return this.op(() => {
      const s = this.world.students.backfill();
      if (s === null) throw errors.noHole();
      return s;
    });
  }
  /** A student whose batch is not served yet. */
  insertEarlyStudent(): StudentRecord {
    return this.op(() => this.world.students.early());
  }
  insertInvalidStudent(kind?: InvalidStudentKind): RejectedStudent {
    return this.op(() => this.world.students.invalid(kind));
  }

  // --- test_runs.log ---
  /** `n` ordinary runs by existing students. */
  writeTestRuns(n = 1): TestRun[] {
    checkArg('n', n, 0, LIMITS.testRuns);
    return this.op(() => Array.from({ length: n }, () => this.ledger.run(this.world.runs.normal(this.world.ctx.now, this.world.students.count, null, null))));
  }
  /** An exact run; `variant` writes it unusually but validly. */
  writeTestRun(fields: RunFields, opts: { variant?: Exclude<LineVariant, 'blank-line'> } = {}): TestRun {
    checkRun(fields);
    const v: string | undefined = opts.variant;
    if (v !== undefined && (v === 'blank-line' || !(LINE_VARIANTS as readonly string[]).includes(v))) throw errors.optionType('variant', 'a line variant other than blank-line', v);
    return this.op(() => this.ledger.run(this.world.runs.custom(fields, opts.variant ?? null)));
  }
  /** A run for a student not inserted yet. */
  writeEarlyTestRun(): TestRun {
    return this.op(() => this.ledger.run(this.world.runs.early()));
  }
  /** One of the last 32 valid lines, written again. */
  writeDuplicateLine(): TestRun {
    return this.op(() => {
      const i = this.world.runs.duplicate();
      if (i < 0) throw errors.noLine();
      return this.ledger.run(i);
    });
  }
  writeBadLine(kind?: BadLineKind): BadLine {
    return this.op(() => this.world.runs.bad(kind));
  }
  writeBlankLine(): void {
    this.op(() => this.world.runs.blank());
  }
  /**
   * An ordinary run written in two parts, `pauseMs` apart (default tuning.splitPauseMs). The first
   * part is in the file when this returns; `settled()` waits for the second.
   */
  writeSplitLine(opts: { pauseMs?: number } = {}): { run: TestRun; first: string; second: string } {
    const pauseMs = checkArg('pauseMs', opts.pauseMs ?? this.o.tuning.splitPauseMs, 0, 60_000);
    return this.op(() => {
      const i = this.world.runs.normal(this.world.ctx.now, this.world.students.count, null, pauseMs);
      return { run: this.ledger.run(i), ...this.lastSplit! };
    });
  }
  /** Renames the log to PATH.1 (older ones shift up) and starts a new PATH. */
  rotate(): void {
    this.op(() => this.world.rotate());
  }
  /** Truncates the log to zero length. Lines not yet read are gone: pause and let readers catch up first. */
  truncate(): void {
    this.op(() => this.world.truncate());
  }
  rotatedLogs(): string[] {
    return rotatedLogs(this.logPath);
  }

  // --- reports ---
  expected(opts?: ExpectOptions): ExpectedWarehouse {
    return expectedWarehouse(this.ledger, opts);
  }
  stats(): SimulatorStats {
    return { api: structuredClone(this.api.stats), ledger: this.ledger.counts(), liveElapsedMs: this.clock?.elapsedMs ?? 0, paused: this.paused };
  }

  /** Stops live arrivals, writes what is queued (pauses skipped), closes the files and the server. */
  close(): Promise<void> {
    // Every caller waits for the same shutdown: a second close() must not resolve while the first
    // is still closing the server.
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    try {
      this.log.close();
    } finally {
      try {
        this.students.close();
      } finally {
        await this.api.close();
      }
    }
  }
}
