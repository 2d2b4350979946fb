// `batchboard start`: with the three sources named, runs the pipeline on them until SIGINT or
// SIGTERM; with none, runs the demo (src/demo.ts).
import { isDate } from '../domain/validate.ts';
import { DEFAULT_MIN_LESSONS } from '../domain/records.ts';
import { controlSocketPath, intFlag, parseFlags, requiredFlag, sourcesId, stringFlag, type FlagSpec } from './flags.ts';
import { UsageError } from './errors.ts';
import { checkApi, checkLog, checkStudents, checkWarehouse } from './preflight.ts';
import { pipelineOptions, type PipelineConfig } from '../actors/pipeline.ts';
import { runSupervisor, jsonLineLogger, supervisorAnswers, visible } from '../runtime/index.ts';

export const FLAGS_HELP = `batchboard start --api URL --students PATH --log PATH --warehouse PATH [flags]
batchboard start                 (no sources: the demo on simulated sources, warehouse data/warehouse.db)
  --api URL              the batches API's base URL (GET URL/batches)
  --students PATH        the students SQLite database (opened read-only)
  --log PATH             the live test runs log; its rotated files PATH.1, ... sit beside it
  --warehouse PATH       the warehouse SQLite file (created when missing)
  --min-lessons N        completed lessons for a qualified student (default ${DEFAULT_MIN_LESSONS})
  --since YYYY-MM-DD     fetch only batches created on or after that date (default: all)
  --api-token TOKEN      bearer token for the API (default: $BATCHBOARD_API_TOKEN); never printed
  --api-poll-ms N        how often the API is polled (default 1000)
Logs are JSON lines on stderr. SIGINT or SIGTERM commits and exits 0.`;

const C = 'start';

export const SPEC: FlagSpec = {
  'api': { type: 'string' },
  'students': { type: 'string' },
  'log': { type: 'string' },
  'warehouse': { type: 'string' },
  'min-lessons': { type: 'string' },
  'since': { type: 'string' },
  'api-token': { type: 'string' },
  'api-poll-ms': { type: 'string' },
  // demo only
  'status-every': { type: 'string' },
};

export async function run(argv: string[]): Promise<number> {
  const { values: v } = parseFlags(C, argv, SPEC);
  const named = ['api', 'students', 'log'].filter((f) => v[f] !== undefined);
  if (named.length === 0) return (await import('./demo.ts')).runDemo(argv);
  if (named.length < 3) {
    const missing = ['api', 'students', 'log'].filter((f) => v[f] === undefined).map((f) => `--${f}`);
    throw new UsageError(`${C}: name all three sources or none (for the demo); missing ${missing.join(', ')}`);
  }
  if (v['status-every'] !== undefined) throw new UsageError(`${C}: --status-every is for the demo (start with no sources named)`);
  const cfg = configFromFlags(v);
  // Before anything opens the warehouse: opening it for writing already applies --min-lessons.
  const socket = controlSocketPath(cfg.warehouse);
  if (await supervisorAnswers(socket)) {
    throw new UsageError(`${C}: a batchboard supervisor is already running on warehouse ${cfg.warehouse} (control socket ${socket}); stop it first`);
  }
  await checkApi(C, cfg.api, cfg.token);
  checkStudents(C, cfg.students);
  checkLog(C, cfg.log);
  checkWarehouse(C, cfg.warehouse, { minLessons: cfg.minLessons, sources: sourcesId(cfg) });
  return supervise(cfg, jsonLineLogger());
}

export function configFromFlags(v: Record<string, string | boolean | undefined>): PipelineConfig {
  const since = stringFlag(C, v, 'since');
  if (since !== undefined && !isDate(since)) throw new UsageError(`${C}: --since must be a date YYYY-MM-DD, got '${since}'`);
  const token = stringFlag(C, v, 'api-token') ?? (process.env['BATCHBOARD_API_TOKEN'] || undefined);
  const pollMs = intFlag(C, v, 'api-poll-ms', { min: 10, max: 3_600_000 });
  return {
    api: requiredFlag(C, v, 'api').replace(/\/+$/, ''),
    students: requiredFlag(C, v, 'students'),
    log: requiredFlag(C, v, 'log'),
    warehouse: requiredFlag(C, v, 'warehouse'),
    minLessons: intFlag(C, v, 'min-lessons', { min: 1, max: 1_000_000 }) ?? DEFAULT_MIN_LESSONS,
    ...(since !== undefined && { since }),
    ...(token !== undefined && { token }),
    ...(pollMs !== undefined && { batchPollMs: pollMs }),
  };
}

/** Runs the supervisor until a signal (exit 0) or until it gives up (exit 1). */
export async function supervise(
  cfg: PipelineConfig,
  log: ReturnType<typeof jsonLineLogger>,
  onSupervisor?: Parameters<typeof runSupervisor>[0]['onSupervisor'],
): Promise<number> {
  let exit;
  try {
    exit = await runSupervisor({ ...pipelineOptions(cfg), log, ...(onSupervisor && { onSupervisor }) });
  } catch (err) {
    // The control socket of another supervisor on this warehouse, most likely.
    throw new UsageError(`${C}: ${(err as Error).message}`);
  }
  if (exit.code !== 0) process.stderr.write(`batchboard: start: ${visible(exit.message ?? 'the supervisor stopped')}\n`);
  return exit.code;
}
