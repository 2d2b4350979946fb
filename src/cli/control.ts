// Asking the running supervisor(s) of a warehouse, through the control socket(s): `status` and
// `restart` find them from --warehouse alone (CONTRACTS §5), and every command that writes a
// warehouse first makes sure none answers (refuseIfRunning). A SQLite warehouse has one pipeline,
// its socket beside the file; a PostgreSQL warehouse may have several on this machine, one socket
// each in this user's runtime directory, told apart by --pipeline NAME.
import { readdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { controlSocketPath, isPostgresUrl, socketPrefix, withoutCredentials } from '../domain/identity.ts';
import { controlRequest, privateSocketDir, supervisorAnswers, type ControlRequest } from '../runtime/control.ts';
import { CommandFailed, UsageError } from './errors.ts';

export interface Running {
  /** The pipeline's name; null for a SQLite warehouse's one. */
  pipeline: string | null;
  socket: string;
}

/**
 * The control sockets of `warehouse`'s pipelines on this machine (for a URL: those whose
 * supervisor answers; a socket file left by a pipeline killed -9 is passed over), or only
 * `pipeline`'s.
 */
export async function pipelinesOf(command: string, warehouse: string, pipeline: string | undefined): Promise<Running[]> {
  if (!isPostgresUrl(warehouse)) return [{ pipeline: null, socket: controlSocketPath(warehouse) }];
  if (pipeline !== undefined) {
    const socket = controlSocketPath(warehouse, pipeline);
    privateDir(command, dirname(socket));
    return [{ pipeline, socket }];
  }
  const prefix = socketPrefix(warehouse);
  let names: string[];
  try {
    names = readdirSync(privateDir(command, dirname(prefix)));
  } catch (err) {
    if (err instanceof UsageError) throw err;
    names = [];
  }
  const files = names
    .filter((n) => n.startsWith(basename(prefix)) && n.endsWith('.sock'))
    .sort()
    .map((n) => ({ pipeline: n.slice(basename(prefix).length, -'.sock'.length), socket: `${dirname(prefix)}/${n}` }));
  const answers = await Promise.all(files.map((f) => supervisorAnswers(f.socket)));
  const found = files.filter((_, i) => answers[i]);
  if (found.length === 0) {
    throw new UsageError(`${command}: no pipeline of ${withoutCredentials(warehouse)} runs on this machine (no control socket ${prefix}*.sock)`);
  }
  return found;
}

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

/** A runtime directory of sockets, refused (exit 2) when another user could have put them there. */
export function privateDir(command: string, dir: string): string {
  try {
    return privateSocketDir(dir);
  } catch (err) {
    throw new UsageError(`${command}: ${(err as Error).message}`);
  }
}

/** The supervisor's answer; no supervisor there is exit 2, a refused request exit 1. */
export async function ask(command: string, socket: string, req: ControlRequest): Promise<unknown> {
  let res;
  try {
    res = await controlRequest(socket, req);
  } catch (err) {
    throw new UsageError(`${command}: ${(err as Error).message}`);
  }
  if (!res.ok) throw new CommandFailed(`${command}: ${res.error}`);
  return res.result;
}
