// What PostgreSQL's (and the driver's) errors mean for the warehouse: retry the transaction
// (deadlock, serialization failure), reconnect and retry (the connection is gone: the server
// restarted, the backend was terminated, the network dropped), or stop with a WarehouseError of
// one line that names the server, database and schema, and never the password.
import { WarehouseError } from '../errors.ts';
import type { PgTarget } from './url.ts';

export type PgFailure = 'retry' | 'reconnect' | 'fatal';

/** SQLSTATEs after which the same transaction, run again, can succeed. */
const RETRY_CODES = new Set(['40P01', '40001']);

/** Node's errors of a socket that cannot reach, or lost, the server. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED', 'ENOENT']);

/**
 * SQLSTATEs of a connection that is gone or cannot be had just now: class 08 (connection
 * exception), admin_shutdown (pg_terminate_backend, a fast shutdown), crash_shutdown,
 * cannot_connect_now (starting up, shutting down), too_many_connections, idle timeouts.
 */
const GONE_CODES = new Set(['57P01', '57P02', '57P03', '57P05', '53300', '25P03']);

export function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function classify(err: unknown): PgFailure {
  const code = codeOf(err);
  if (code !== undefined && RETRY_CODES.has(code)) return 'retry';
  if (code !== undefined && (GONE_CODES.has(code) || code.startsWith('08') || SOCKET_CODES.has(code))) return 'reconnect';
  const message = (err as Error | null)?.message ?? '';
  // The driver's own words for a connection that ended under it.
  if (/Connection terminated|connection error|not queryable|Client was closed|timeout expired|Connection ended|socket hang up/i.test(message)) return 'reconnect';
  return 'fatal';
}

/** An error's text on one line, the password (as given and percent-encoded) replaced. */
export function oneLine(t: Pick<PgTarget, 'password'>, err: unknown): string {
  const code = codeOf(err);
  let text = err instanceof Error ? err.message : String(err);
  if (text === '' && code !== undefined) text = code;
  text = text.replace(/\s*\n\s*/g, ' ').trim();
  const p = t.password;
  if (p !== undefined && p.length > 0) {
    for (const form of new Set([p, encodeURIComponent(p)])) text = text.split(form).join('***');
  }
  return code !== undefined && !text.includes(code) && /^[0-9A-Z]{5}$/.test(code) ? `${text} (${code})` : text;
}

/** Where the warehouse is, for messages: the schema, the database and the server. */
export function where(t: PgTarget): string {
  return `schema ${t.schema} of database ${t.database} on the PostgreSQL server ${t.server}`;
}

/** Why connecting failed, in the order the contract names the faults: the server, the login, the database. */
export function connectFault(t: PgTarget, err: unknown): WarehouseError {
  const code = codeOf(err);
  const text = oneLine(t, err);
  if (code !== undefined && SOCKET_CODES.has(code)) {
    return new WarehouseError(`cannot reach the PostgreSQL server ${t.server} of warehouse ${t.shown}: ${text} (is it running there?)`, code);
  }
  if (/timeout expired|timed out/i.test(text)) {
    return new WarehouseError(`cannot reach the PostgreSQL server ${t.server} of warehouse ${t.shown}: no answer in time`, 'ETIMEDOUT');
  }
  if (code === '28P01' || code === '28000' || /password|SASL|SCRAM|authentication/i.test(text)) {
    return new WarehouseError(
      `the PostgreSQL server ${t.server} refused user ${t.user} for database ${t.database}: ${text} (check the user and password of warehouse ${t.shown})`,
      code ?? '28000',
    );
  }
  if (code === '3D000') {
    return new WarehouseError(`database ${t.database} does not exist on the PostgreSQL server ${t.server} (create it, or name another in warehouse ${t.shown})`, code);
  }
  if (code === '57P03') return new WarehouseError(`the PostgreSQL server ${t.server} of warehouse ${t.shown} does not take connections now: ${text}`, code);
  return new WarehouseError(`cannot connect to warehouse ${t.shown}: ${text}`, code);
}

/** A failure of the warehouse once connected: one line naming it. */
export function pgFault(t: PgTarget, err: unknown, doing = 'write'): WarehouseError {
  if (err instanceof WarehouseError) return err;
  const code = codeOf(err);
  const text = oneLine(t, err);
  if (code === '53100') return new WarehouseError(`the disk of the PostgreSQL server ${t.server} is full (${code}) and warehouse ${t.shown} cannot ${doing}: ${text}`, code);
  if (code === '42501') return new WarehouseError(`user ${t.user} may not ${doing} warehouse ${t.shown} (${where(t)}): ${text}`, code);
  if (code === '25006') return new WarehouseError(`warehouse ${t.shown} is read-only here (${where(t)}): ${text}`, code);
  return new WarehouseError(`cannot ${doing} warehouse ${t.shown}: ${text}`, code);
}
