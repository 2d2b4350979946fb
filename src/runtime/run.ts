// Running a supervisor as a process: the control socket, SIGINT/SIGTERM, and the exit code.
import os from 'node:os';
import { Supervisor, type SupervisorExit } from './supervisor.ts';
import { ControlServer } from './control.ts';
import type { SupervisorOptions } from './spec.ts';
import { jsonLineLogger, type Logger } from './log.ts';

export interface RunOptions extends SupervisorOptions {
  /** Where the control socket listens; none when absent. */
  controlSocket?: string;
  log?: Logger;
  /** Called once the supervisor exists, before its actors start: for a caller that shows its status. */
  onSupervisor?: (supervisor: Supervisor) => void;
}

/**
 * Starts the supervisor and runs it until SIGINT/SIGTERM (a graceful shutdown, exit 0) or until
 * it gives up (exit 1 with its message). A second signal during shutdown forces the exit.
 */
export async function runSupervisor(opts: RunOptions): Promise<SupervisorExit> {
  const log = opts.log ?? jsonLineLogger();
  const supervisor = new Supervisor(opts, log);
  const control = opts.controlSocket ? await ControlServer.listen(opts.controlSocket, supervisor) : null;
  opts.onSupervisor?.(supervisor);
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals === 1) {
      log('supervisor.signal', { signal });
      void supervisor.shutdown();
      return;
    }
    log('supervisor.forced_exit', { signal });
    // 128 + the signal's number, as a shell reports a process ended by it.
    process.exit(128 + (os.constants.signals[signal] ?? 2));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await Promise.race([supervisor.start(), supervisor.done]);
    return await supervisor.done;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await control?.close();
  }
}
