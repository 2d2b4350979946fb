// `batchboard start` with no sources named: the simulated sources (data/demo/) and the pipeline
// together, the warehouse at data/warehouse.db, and a compact status every few seconds.
import { appendFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_WAREHOUSE, numberFlag, parseFlags, stringFlag } from './config.ts';
import { DEFAULT_MIN_LESSONS } from './domain/records.ts';
import { UsageError } from './errors.ts';
import { ACTORS } from './actors/messages.ts';
import { SPEC, supervise } from './start.ts';
import { jsonLineLogger, type ActorStatus, type Supervisor } from './runtime/index.ts';
import { startSimulator } from './simulator/index.ts';
import { Warehouse } from './storage/warehouse.ts';
import { leaderboard } from './storage/snapshot.ts';

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
  const minLessons = DEFAULT_MIN_LESSONS;
  resetDemoWarehouse(warehouse);

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

/** The demo's sources are new on every start, so its warehouse is too; a warehouse of real sources is never touched. */
function resetDemoWarehouse(path: string): void {
  if (!existsSync(path)) return;
  let w: Warehouse | undefined;
  try {
    w = Warehouse.open(path, { minLessons: DEFAULT_MIN_LESSONS, sources: DEMO_SOURCES });
  } catch (err) {
    throw new UsageError(`${C}: the demo writes ${path}, which holds another warehouse (${(err as Error).message}); move it away or name sources`);
  } finally {
    w?.close();
  }
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
}

const prev = new Map<string, number>();

function rate(key: string, total: number, seconds: number): string {
  const before = prev.get(key);
  prev.set(key, total);
  return before === undefined || seconds <= 0 ? '-' : String(Math.round((total - before) / seconds));
}

function statusLine(sup: Supervisor, warehouse: string, seconds: number): string {
  const by = new Map<string, ActorStatus>(sup.status().map((s) => [s.name, s]));
  const n = (a: string, k: string): number => Number(by.get(a)?.counters[k] ?? 0);
  const restarts = [...by.values()].reduce((sum, s) => sum + s.restarts, 0);
  const parts = [
    `${new Date().toISOString().slice(11, 19)}`,
    `runs ${rate('runs', n(ACTORS.test_runs, 'runs'), seconds)}/s (lag ${n(ACTORS.test_runs, 'lag_bytes')} B)`,
    `students ${rate('students', n(ACTORS.students, 'students'), seconds)}/s (lag ${n(ACTORS.students, 'lag_rows')} rows)`,
    `batches ${rate('batches', n(ACTORS.batches, 'batches'), seconds)}/s`,
    `commits ${rate('commits', n(ACTORS.aggregator, 'commits'), seconds)}/s`,
    `restarts ${restarts}`,
  ];
  let top = '';
  try {
    top = leaderboard(warehouse, 5)
      .map((b) => `${b.name}=${b.qualified_students}`)
      .join(' ');
  } catch {
    top = '(warehouse not ready)';
  }
  return `${parts.join(' | ')}\n  top 5: ${top}\n`;
}
