// Errors a user of the command line can meet. Each carries the exit code the CLI returns, and a
// message that says what happened, to what, and what to do; none prints a stack trace.
import { ApiError } from '../sources/batches/errors.ts';
import { SourceError } from '../sources/errors.ts';
import { SimulatorError } from '../simulator/errors.ts';
import { WarehouseError } from '../storage/errors.ts';

/** A bad command, flag or flag value, or a source that cannot be opened: exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  readonly exitCode = 2;
}

/** A command that ran and found something wrong (for example `verify` finding differences): exit 1. */
export class CommandFailed extends Error {
  override name = 'CommandFailed';
  readonly exitCode = 1;
}

/**
 * What a failed command prints and returns: its own errors as they are worded; a source or
 * warehouse that cannot be opened or used (named by the layer that found it) exit 2, prefixed
 * with the command; anything else exit 1.
 */
export function failure(command: string, err: unknown): { message: string; code: number } {
  const message = String((err as Error | null)?.message ?? err);
  if (err instanceof UsageError || err instanceof CommandFailed) return { message, code: err.exitCode };
  if (err instanceof SourceError || err instanceof ApiError || err instanceof WarehouseError || err instanceof SimulatorError) {
    return { message: `${command}: ${message.split('\n')[0]}`, code: 2 };
  }
  return { message, code: 1 };
}
