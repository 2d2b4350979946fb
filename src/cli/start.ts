// `batchboard start`: with the three sources named, runs the pipeline on them until SIGINT or
// SIGTERM; with none, runs the demo (demo.ts).
import { sourcesId } from '../domain/identity.ts';
import { DEFAULT_MIN_LESSONS } from '../domain/records.ts';
import { jsonLineLogger, type Logger } from '../runtime/index.ts';
import { pipelineName, type PipelineConfig } from '../actors/pipeline.ts';
import { UsageError } from './errors.ts';
import { intFlag, parseFlags, stringFlag, type FlagSpec, type FlagValues } from './flags.ts';
import { checkApi, checkLog, checkStudents, checkWarehouse } from './preflight.ts';
import { SOURCE_FLAGS, SOURCE_NAMES, sourceFlags, sourceFlagsHelp } from './source-flags.ts';
import { runPipeline } from './supervise.ts';
import { refuseIfRunning } from './control.ts';
import { historyProgress } from './progress.ts';
import { catchUp, DEFAULT_BACKLOG_BYTES } from '../batch/catch-up.ts';
import { closeScanPools } from '../batch/scan/pool.ts';
import { attachPipeline, HTTP_FLAGS, httpFlags, httpFlagsHelp, newRestartToken, startWeb, type HttpFlags } from './web.ts';

export const FLAGS_HELP = `batchboard start --api URL --students PATH --log PATH --warehouse PATH [flags]
batchboard start                 (no sources: the demo on simulated sources, warehouse data/warehouse.db)
${sourceFlagsHelp()}
  --api-poll-ms N        how often the API is polled (default 1000)
  --backlog-bytes N      a log backlog larger than this is read by the parallel path first
                         (default ${DEFAULT_BACKLOG_BYTES}; 0: always, when anything is unread)
  --name NAME            the pipeline's name, its own offsets in a warehouse several pipelines
                         share (default: the log's file name); status and restart --pipeline NAME
${httpFlagsHelp('default: none; the demo: 127.0.0.1:8321, or a free port when taken')}
                         the page's URL is the first line of stdout, then the operator panel's link
                         and the run's restart token ("operator token: ...")
  --status-every S       the demo's status line, every S seconds (default 3)
Logs are JSON lines on stderr. SIGINT or SIGTERM commits and exits 0.`;

const C = 'start';

export const START_FLAGS: FlagSpec = {
  ...SOURCE_FLAGS,
  'api-poll-ms': { type: 'string' },
  'backlog-bytes': { type: 'string' },
  'name': { type: 'string' },
  ...HTTP_FLAGS,
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
  const http = httpFlags(C, v);
  // A signal before the supervisor runs (during the checks or the backlog's catch-up, which can
  // take seconds): nothing is committed half-way (the catch-up is one transaction), so stop now.
  const early = (signal: NodeJS.Signals): void => {
    process.stderr.write(`batchboard: ${C}: ${signal} before the pipeline started: stopped, nothing half-written\n`);
    process.exit(0);
  };
  process.once('SIGINT', early).once('SIGTERM', early);
  let ready;
  try {
    ready = await prepare(v);
  } finally {
    process.off('SIGINT', early).off('SIGTERM', early);
  }
  // From here the supervisor's own handlers: a graceful stop that commits what it holds.
  if (http === undefined) return runPipeline(C, ready.cfg, ready.log);
  return servePipeline(ready.cfg, ready.log, http);
}

/** The pipeline with its web page (--http): the page's URL, the operator panel's link and token on stdout. */
async function servePipeline(cfg: PipelineConfig, log: Logger, http: HttpFlags): Promise<number> {
  const restartToken = newRestartToken();
  // After the checks: the warehouse exists, and the server holds a reader of it, never a writer.
  const server = await startWeb(C, cfg.warehouse, http, { restartToken });
  try {
    return await runPipeline(C, cfg, log, (sup) => process.stdout.write(attachPipeline(server, sup, restartToken).lines));
  } finally {
    await server.close();
  }
}

/** `--name`: letters, digits, '.', '_', '-' (it names a socket file and a row of offsets). */
function pipelineNameFlag(command: string, v: FlagValues): string | undefined {
  const name = stringFlag(command, v, 'name');
  if (name !== undefined && !/^[A-Za-z0-9._-]{1,40}$/.test(name)) {
    throw new UsageError(`${command}: --name must be 1 to 40 letters, digits, '.', '_' or '-', got ${JSON.stringify(name)}`);
  }
  return name;
}

/** The checks, then the backlog's catch-up: the pipeline's config and logger, ready to run. */
async function prepare(v: FlagValues): Promise<{ cfg: PipelineConfig; log: Logger }> {
  const s = sourceFlags(C, v);
  const pollMs = intFlag(C, v, 'api-poll-ms', { min: 10, max: 3_600_000 });
  const backlogBytes = intFlag(C, v, 'backlog-bytes', { min: 0, max: Number.MAX_SAFE_INTEGER }) ?? DEFAULT_BACKLOG_BYTES;
  const name = pipelineNameFlag(C, v);
  const cfg: PipelineConfig = {
    ...s,
    minLessons: s.minLessons ?? DEFAULT_MIN_LESSONS,
    ...(pollMs !== undefined && { batchPollMs: pollMs }),
    ...(name !== undefined && { name }),
  };
  // Before anything opens the warehouse: opening it for writing already applies --min-lessons.
  await refuseIfRunning(C, cfg.warehouse, pipelineName(cfg));
  await checkApi(C, cfg.api, cfg.token);
  checkStudents(C, cfg.students);
  checkLog(C, cfg.log);
  const open = { minLessons: cfg.minLessons, sources: sourcesId(cfg) };
  await checkWarehouse(C, cfg.warehouse, open, pipelineName(cfg));
  const log = jsonLineLogger();
  // A long backlog of the log is read on the rebuild's path first (batch/catch-up.ts).
  const progress = historyProgress(C);
  let caught;
  try {
    caught = await catchUp({ ...cfg, open, minBytes: backlogBytes, pipeline: pipelineName(cfg) }, (p) => progress.update(p));
  } finally {
    progress.stop();
    await closeScanPools();
  }
  if (caught.bytes > 0) {
    log('log.backlog_read', { bytes: caught.bytes, runs: caught.runs, completions: caught.completions, ms: Math.round(caught.ms), rebuilt: caught.rebuilt });
  }
  return { cfg, log };
}
