// Running the pipeline's supervisor from a command (start, the demo), and the one check every
// command that writes a warehouse makes first: that no supervisor writes it already.
import { controlSocketPath, withoutCredentials } from '../domain/identity.ts';
import { isPostgresUrl } from '../domain/identity.ts';
import { pipelineOptions, type PipelineConfig } from '../actors/pipeline.ts';
import { runSupervisor, supervisorAnswers, visible, type Logger, type Supervisor } from '../runtime/index.ts';
import { UsageError } from './errors.ts';
import { privateDir } from './control.ts';
import { dirname } from 'node:path';

/**
 * Refuses (exit 2) when a supervisor answers on the control socket of the warehouse (of its
 * pipeline `pipeline`, for a PostgreSQL warehouse several share): two writers would interleave.
 * Pipelines of other machines are refused by the PostgreSQL writer itself.
 */
export async function refuseIfRunning(command: string, warehouse: string, pipeline?: string): Promise<void> {
  const socket = controlSocketPath(warehouse, pipeline);
  // A URL's sockets are in this user's runtime directory: it must be this user's alone.
  if (isPostgresUrl(warehouse)) privateDir(command, dirname(socket));
  if (await supervisorAnswers(socket)) {
    const which = pipeline === undefined || !isPostgresUrl(warehouse) ? '' : ` as pipeline ${pipeline}`;
    throw new UsageError(`${command}: a batchboard supervisor is already running on warehouse ${withoutCredentials(warehouse)}${which} (control socket ${socket}); stop it first`);
  }
}

/** Runs the pipeline's supervisor until a signal (exit 0) or until it gives up (exit 1, with its reason on stderr). */
export async function runPipeline(command: string, cfg: PipelineConfig, log: Logger, onSupervisor?: (s: Supervisor) => void): Promise<number> {
  let exit;
  try {
    exit = await runSupervisor({ ...pipelineOptions(cfg), log, ...(onSupervisor && { onSupervisor }) });
  } catch (err) {
    // The control socket of another supervisor on this warehouse, most likely.
    throw new UsageError(`${command}: ${(err as Error).message}`);
  }
  if (exit.code !== 0) process.stderr.write(`batchboard: ${command}: ${visible(exit.message ?? 'the supervisor stopped')}\n`);
  return exit.code;
}
