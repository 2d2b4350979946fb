// `batchboard start`: with the three sources named, runs the pipeline on them until SIGINT or
// SIGTERM; with none, runs the demo (demo.ts).
import { sourcesId } from '../domain/identity.ts';
import { DEFAULT_MIN_LESSONS } from '../domain/records.ts';
import { jsonLineLogger } from '../runtime/index.ts';
import { UsageError } from './errors.ts';
import { intFlag, parseFlags, type FlagSpec } from './flags.ts';
import { checkApi, checkLog, checkStudents, checkWarehouse } from './preflight.ts';
import { SOURCE_FLAGS, SOURCE_NAMES, sourceFlags, sourceFlagsHelp } from './source-flags.ts';
import { refuseIfRunning, runPipeline } from './supervise.ts';

export const FLAGS_HELP = `batchboard start --api URL --students PATH --log PATH --warehouse PATH [flags]
batchboard start                 (no sources: the demo on simulated sources, warehouse data/warehouse.db)
${sourceFlagsHelp()}
  --api-poll-ms N        how often the API is polled (default 1000)
  --status-every S       the demo's status line, every S seconds (default 3)
Logs are JSON lines on stderr. SIGINT or SIGTERM commits and exits 0.`;

const C = 'start';

export const START_FLAGS: FlagSpec = {
  ...SOURCE_FLAGS,
  'api-poll-ms': { type: 'string' },
  // the demo only
  'status-every': { type: 'string' },
};

export async function run(argv: string[]): Promise<number> {
  const { values: v } = parseFlags(C, argv, START_FLAGS);
  const named = SOURCE_NAMES.filter((f) => v[f] !== undefined);
  if (named.length === 0) return (await import('./demo.ts')).runDemo(v);
  if (named.length < SOURCE_NAMES.length) {
    const missing = SOURCE_NAMES.filter((f) => v[f] === undefined).map((f) => `--${f}`);
    throw new UsageError(`${C}: name all three sources or none (for the demo); missing ${missing.join(', ')}`);
  }
  if (v['status-every'] !== undefined) throw new UsageError(`${C}: --status-every is for the demo (start with no sources named)`);
  const s = sourceFlags(C, v);
  const pollMs = intFlag(C, v, 'api-poll-ms', { min: 10, max: 3_600_000 });
  const cfg = { ...s, minLessons: s.minLessons ?? DEFAULT_MIN_LESSONS, ...(pollMs !== undefined && { batchPollMs: pollMs }) };
  // Before anything opens the warehouse: opening it for writing already applies --min-lessons.
  await refuseIfRunning(C, cfg.warehouse);
  await checkApi(C, cfg.api, cfg.token);
  checkStudents(C, cfg.students);
  checkLog(C, cfg.log);
  checkWarehouse(C, cfg.warehouse, { minLessons: cfg.minLessons, sources: sourcesId(cfg) });
  return runPipeline(C, cfg, jsonLineLogger());
}
