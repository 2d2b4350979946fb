// `batchboard start` with no sources named: the simulated sources (data/demo/) and the pipeline
// together, the warehouse at data/warehouse.db, a compact status every few seconds, and a line as
// soon as an actor crashes or restarts (the supervisor's lifecycle events). It serves the web page
// too (127.0.0.1:8321 unless --http says otherwise; a free port when 8321 is taken) and prints its
// URL and the operator panel's link.
import { isPostgresUrl } from '../domain/identity.ts';
import { appendFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ACTORS } from '../actors/messages.ts';
import { DEFAULT_MIN_LESSONS } from '../domain/records.ts';
import { jsonLineLogger, visible, type ActorStatus, type Supervisor, type SupervisorEvent } from '../runtime/index.ts';
import { startSimulator } from '../simulator/index.ts';
import { readWarehouse } from '../storage/reader.ts';
import { UsageError } from './errors.ts';
import { DEFAULT_WAREHOUSE, intFlag, numberFlag, stringFlag, type FlagValues } from './flags.ts';
import { runPipeline } from './supervise.ts';
import { refuseIfRunning } from './control.ts';
import { checkWarehouse } from './preflight.ts';
import { attachPipeline, DEFAULT_HTTP, httpFlags, newRestartToken, startWeb } from './web.ts';
import { pipelineName } from '../actors/pipeline.ts';

const C = 'start';
const DEMO_DIR = 'data/demo';
/** The warehouse's `sources` identity in demo mode: the demo may reset only a warehouse marked so. */
export const DEMO_SOURCES = 'demo: simulated sources in data/demo';

export async function runDemo(v: FlagValues): Promise<number> {
  for (const f of ['since', 'api-token', 'api-poll-ms', 'backlog-bytes']) {
    if (v[f] !== undefined) throw new UsageError(`${C}: --${f} needs named sources (--api, --students, --log)`);
  }
  const warehouse = stringFlag(C, v, 'warehouse') ?? DEFAULT_WAREHOUSE;
  if (isPostgresUrl(warehouse)) {
    throw new UsageError(`${C}: the demo starts afresh on a SQLite file each time; for a PostgreSQL warehouse name the sources (--api, --students, --log)`);
  }
  const everyS = numberFlag(C, v, 'status-every', { min: 0.5, max: 3600 }) ?? 3;
  const minLessons = intFlag(C, v, 'min-lessons', { min: 1, max: 1_000_000 }) ?? DEFAULT_MIN_LESSONS;
  const http = httpFlags(C, v, DEFAULT_HTTP)!;
  await refuseIfRunning(C, warehouse);
  await resetDemoWarehouse(warehouse);

  mkdirSync(DEMO_DIR, { recursive: true });
  const logFile = join(DEMO_DIR, 'pipeline.log');
  const sim = await startSimulator({ dir: DEMO_DIR, reset: true, epoch: 'now' });
  process.stdout.write(
    `batchboard demo: simulated API ${sim.apiUrl}, ${sim.studentsPath}, ${sim.logPath}\n` +
      `warehouse ${warehouse} (query it any time: batchboard top --warehouse ${warehouse}); logs in ${logFile}; Ctrl-C stops\n`,
  );
  let timer: NodeJS.Timeout | undefined;
  const cfg = { api: sim.apiUrl, students: sim.studentsPath, log: sim.logPath, warehouse, minLessons, sourcesId: DEMO_SOURCES };
  const restartToken = newRestartToken();
  let server;
  try {
    // Made here rather than by the Aggregator, so that the page's reader has a warehouse to open.
    await checkWarehouse(C, warehouse, { minLessons, sources: DEMO_SOURCES }, pipelineName(cfg));
    server = await startWeb(C, warehouse, http, { restartToken, fallback: !http.given });
  } catch (err) {
    await sim.close();
    throw err;
  }
  const web = server;
  try {
    return await runPipeline(C, cfg, jsonLineLogger((line) => appendFileSync(logFile, line)), (sup) => {
      process.stdout.write(`the page: ${attachPipeline(web, sup, restartToken).lines}`);
      sup.on('event', (e) => {
        const line = eventLine(e);
        if (line !== null) process.stdout.write(line);
      });
      timer = setInterval(() => void statusLine(sup, warehouse).then((line) => process.stdout.write(line)), everyS * 1000);
      timer.unref();
    });
  } finally {
    clearInterval(timer);
    await web.close();
    await sim.close();
  }
}

/**
 * The demo's sources are new on every start, so its warehouse is too; a warehouse of real sources
 * (or any other file) is never touched, and neither is a demo that is running (refuseIfRunning): its
 * sources and warehouse would vanish under it.
 */
async function resetDemoWarehouse(path: string): Promise<void> {
  if (!existsSync(path)) return;
  // Read-only: opening it for writing would already change a foreign file (its journal mode).
  let built: string | undefined;
  try {
    built = await readWarehouse(path, (r) => r.meta('sources'));
  } catch (err) {
    throw new UsageError(`${C}: the demo writes ${path}, which is not a demo warehouse (${(err as Error).message}); move it away or name sources`);
  }
  // No sources recorded: a demo warehouse cut off while it was being created.
  if (built !== undefined && built !== DEMO_SOURCES) {
    throw new UsageError(`${C}: the demo writes ${path}, which holds a warehouse of other sources (${built}); move it away or name sources`);
  }
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
}

/** A crash, a restart or a fatal stop, as it happens; null for the other events. */
function eventLine(e: SupervisorEvent): string | null {
  const actor = String(e.fields['actor'] ?? '');
  switch (e.event) {
    case 'actor.crash':
      return `  ! ${actor} crashed: ${visible(String(e.fields['reason']))}\n`;
    case 'actor.restart':
      return `  ${actor} restarted (${visible(String(e.fields['reason']))})\n`;
    case 'supervisor.fatal':
      return `  ! the supervisor stopped: ${visible(String(e.fields['reason']))}\n`;
    default:
      return null;
  }
}

const UNITS: Record<string, string> = { bytes: 'B', rows: 'rows', ms: 'ms' };
/** The sources in the line: actor, label, and the unit of its lag until it says (before it started). */
const LABELS: [string, string, string][] = [
  [ACTORS.test_runs, 'runs', 'bytes'],
  [ACTORS.students, 'students', 'rows'],
  [ACTORS.batches, 'batches', 'ms'],
];

/** One line: every source's rate and lag (the standard counters of actors/source.ts), commits/s, restarts; then the top 5. */
async function statusLine(sup: Supervisor, warehouse: string): Promise<string> {
  const by = new Map<string, ActorStatus>(sup.status().map((s) => [s.name, s]));
  const c = (actor: string, key: string): string => String(by.get(actor)?.counters[key] ?? 0);
  const restarts = [...by.values()].reduce((sum, s) => sum + s.restarts, 0);
  const parts = [
    new Date().toISOString().slice(11, 19),
    ...LABELS.map(([actor, label, unit]) => `${label} ${c(actor, 'rate')}/s (lag ${c(actor, 'lag')} ${UNITS[String(by.get(actor)?.counters['lag_unit'] ?? unit)]})`),
    `commits ${c(ACTORS.aggregator, 'commit_rate')}/s`,
    `restarts ${restarts}`,
  ];
  let top = '';
  try {
    top = (await readWarehouse(warehouse, (r) => r.leaderboard(5)))
      .map((b) => `${visible(b.name)}=${b.qualified_students}`)
      .join(' ');
  } catch {
    top = '(warehouse not ready)';
  }
  return `${parts.join(' | ')}\n  top 5: ${top}\n`;
}
