// Errors a user of the command line can meet. Each carries the exit code the CLI returns, and a
// message that says what happened, to what, and what to do; none prints a stack trace.

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

export function exitCodeOf(err: unknown): number {
  if (err instanceof UsageError || err instanceof CommandFailed) return err.exitCode;
  return 1;
}
