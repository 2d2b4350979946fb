// `batchboard start` with no sources named: the simulated sources (data/demo/) and the pipeline
// together, the warehouse at data/warehouse.db, and a compact status every few seconds.
import { appendFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { controlSocketPath, DEFAULT_WAREHOUSE, intFlag, numberFlag, parseFlags, stringFlag } from './flags.ts';
import { DEFAULT_MIN_LESSONS } from '../domain/records.ts';
import { UsageError } from './errors.ts';
import { ACTORS } from '../actors/messages.ts';
import { SPEC, supervise } from './start.ts';
import { jsonLineLogger, supervisorAnswers, visible, type ActorStatus, type Supervisor } from '../runtime/index.ts';
import { startSimulator } from '../simulator/index.ts';
import { leaderboard, openReadOnly } from '../storage/snapshot.ts';

const C = 'start';
const DEMO_DIR = 'data/demo';
/** The warehouse's `sources` identity in demo mode: the demo may reset only a warehouse marked so. */
export const DEMO_SOURCES = 'demo: simulated sources in data/demo';

export async function runDemo(argv: string[]): Promise<number> {
  const { values: v } = parseFlags(C, argv, SPEC);
  for (const f of ['since', 'api-token', 'api-poll-ms']) {
    if (v[f] !== undefined) throw new UsageError(`${C}: --${f} needs named sources (--api, --students, --log)`);
  }
  const warehouse = stringFlag(C, v, 'warehouse') ?? DEFAULT_WAREHOUSE;
  const everyS = numberFlag(C, v, 'status-every', { min: 0.5, max: 3600 }) ?? 3;
  const minLessons = intFlag(C, v, 'min-lessons', { min: 1, max: 1_000_000 }) ?? DEFAULT_MIN_LESSONS;
  await resetDemoWarehouse(warehouse);

  mkdirSync(DEMO_DIR, { recursive: true });
  const logFile = join(DEMO_DIR, 'pipeline.log');
  const sim = await startSimulator({ dir: DEMO_DIR, reset: true, epoch: 'now' });
  process.stdout.write(
    `batchboard demo: simulated API ${sim.apiUrl}, ${sim.studentsPath}, ${sim.logPath}\n` +
      `warehouse ${warehouse} (query it any time: batchboard top --warehouse ${warehouse}); logs in ${logFile}; Ctrl-C stops\n`,
  );
  let timer: NodeJS.Timeout | undefined;
  try {
    return await supervise(
      { api: sim.apiUrl, students: sim.studentsPath, log: sim.logPath, warehouse, minLessons, sourcesId: DEMO_SOURCES },
      jsonLineLogger((line) => appendFileSync(logFile, line)),
      (sup) => {
        let last = Date.now();
        timer = setInterval(() => {
          const now = Date.now();
          process.stdout.write(statusLine(sup, warehouse, (now - last) / 1000));
          last = now;
        }, everyS * 1000);
        timer.unref();
      },
    );
  } finally {
    clearInterval(timer);
    await sim.close();
  }
}

/**
 * The demo's sources are new on every start, so its warehouse is too; a warehouse of real sources
 * (or any other file) is never touched, and neither is a demo that is running: its sources and
 * warehouse would vanish under it.
 */
async function resetDemoWarehouse(path: string): Promise<void> {
  const socket = controlSocketPath(path);
  if (await supervisorAnswers(socket)) throw new UsageError(`${C}: a batchboard supervisor is already running on ${path} (control socket ${socket}); stop it first`);
  if (!existsSync(path)) return;
  // Read-only: opening it for writing would already change a foreign file (its journal mode).
  let built: string | undefined;
  try {
    const db = openReadOnly(path);
    try {
      built = db.prepare("SELECT value FROM meta WHERE key = 'sources'").pluck().get() as string | undefined;
    } finally {
      db.close();
    }
  } catch (err) {
    throw new UsageError(`${C}: the demo writes ${path}, which is not a demo warehouse (${(err as Error).message}); move it away or name sources`);
  }
  // No sources recorded: a demo warehouse cut off while it was being created.
  if (built !== undefined && built !== DEMO_SOURCES) {
    throw new UsageError(`${C}: the demo writes ${path}, which holds a warehouse of other sources (${built}); move it away or name sources`);
  }
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
}

/** Whether a live supervisor listens on the control socket `path` (a stale file refuses connections). */
const prev = new Map<string, number>();

function rate(key: string, total: number, seconds: number): string {
  const before = prev.get(key);
  prev.set(key, total);
  return before === undefined || seconds <= 0 ? '-' : String(Math.round((total - before) / seconds));
}

function statusLine(sup: Supervisor, warehouse: string, seconds: number): string {
  const by = new Map<string, ActorStatus>(sup.status().map((s) => [s.name, s]));
  const n = (a: string, k: string): number => Number(by.get(a)?.counters[k] ?? 0);
  // Lags are shown as published: the StudentWatcher caps its count ("10000+").
  const raw = (a: string, k: string): string => String(by.get(a)?.counters[k] ?? 0);
  const restarts = [...by.values()].reduce((sum, s) => sum + s.restarts, 0);
  const parts = [
    `${new Date().toISOString().slice(11, 19)}`,
    `runs ${rate('runs', n(ACTORS.test_runs, 'runs'), seconds)}/s (lag ${raw(ACTORS.test_runs, 'lag_bytes')} B)`,
    `students ${rate('students', n(ACTORS.students, 'students'), seconds)}/s (lag ${raw(ACTORS.students, 'lag_rows')} rows)`,
    `batches ${rate('batches', n(ACTORS.batches, 'batches'), seconds)}/s`,
    `commits ${rate('commits', n(ACTORS.aggregator, 'commits'), seconds)}/s`,
    `restarts ${restarts}`,
  ];
  let top = '';
  try {
    top = leaderboard(warehouse, 5)
      .map((b) => `${visible(b.name)}=${b.qualified_students}`)
      .join(' ');
  } catch {
    top = '(warehouse not ready)';
  }
  return `${parts.join(' | ')}\n  top 5: ${top}\n`;
}
