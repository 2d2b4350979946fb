// Asking the running supervisor of a warehouse, through the control socket beside it: `status`
// and `restart` find it from the warehouse path alone.
import { controlSocketPath } from '../domain/identity.ts';
import { controlRequest, type ControlRequest } from '../runtime/control.ts';
import { CommandFailed, UsageError } from './errors.ts';

/** The supervisor's answer; no supervisor there is exit 2, a refused request exit 1. */
export async function ask(command: string, warehouse: string, req: ControlRequest): Promise<unknown> {
  let res;
  try {
    res = await controlRequest(controlSocketPath(warehouse), req);
  } catch (err) {
    throw new UsageError(`${command}: ${(err as Error).message}`);
  }
  if (!res.ok) throw new CommandFailed(`${command}: ${res.error}`);
  return res.result;
}
