// Running the pipeline's supervisor from a command (start, the demo). The check every command
// that writes a warehouse makes first, that no supervisor writes it already, is in control.ts
// (refuseIfRunning): `rebuild` makes it without loading the runtime.
import { pipelineOptions, type PipelineConfig } from '../actors/pipeline.ts';
import { runSupervisor, visible, type Logger, type Supervisor } from '../runtime/index.ts';
import { UsageError } from './errors.ts';

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
