// Names several layers share: how the batches API's URL is checked and shown, what a warehouse
// records as its sources, and where the control socket of a warehouse's supervisor is. Pure.
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { basename, join, resolve as resolvePath } from 'node:path';

/** Why `url` cannot be the batches API's base URL, or null when it can (http or https). */
export function apiUrlProblem(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `'${url}' is not a URL (for example http://127.0.0.1:4010)`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `'${withoutCredentials(url)}' is not an http:// or https:// URL (for example http://127.0.0.1:4010)`;
  return null;
}

/** The API's base URL as batchboard uses it: without a trailing slash (`/batches` is appended). */
export function apiBase(url: string): string {
  return url.replace(/\/+$/, '');
}

/**
 * A URL as it may be shown or stored: a user name or password in it is removed, and so is a
 * `password=` parameter (libpq's spelling). A string no URL parser takes (a bad port, say) loses
 * everything between `://` and its last `@`, and any `password=` parameter, all the same.
 */
export function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    const secret = [...u.searchParams.keys()].filter((k) => k.toLowerCase() === 'password');
    if (u.username === '' && u.password === '' && secret.length === 0) return url;
    u.username = '';
    u.password = '';
    for (const k of secret) u.searchParams.delete(k);
    return u.href;
  } catch {
    const scheme = url.indexOf('://');
    const at = url.lastIndexOf('@');
    const bare = scheme >= 0 && at > scheme ? url.slice(0, scheme + 3) + url.slice(at + 1) : url;
    return bare.replace(/([?&]password=)[^&#]*/gi, '$1***');
  }
}

/** What a warehouse is built from, as stored in it: the API URL (no credentials) and the two source files' absolute paths. */
export function sourcesId(s: { api: string; students: string; log: string }): string {
  return JSON.stringify({ api: apiBase(withoutCredentials(s.api)), students: resolvePath(s.students), log: resolvePath(s.log) });
}

/** A warehouse named by a postgres:// (or postgresql://) URL rather than a SQLite file's path. */
export function isPostgresUrl(warehouse: string): boolean {
  return /^postgres(ql)?:\/\//i.test(warehouse);
}

/**
 * The control socket of the supervisor that writes `warehouse`, found from the warehouse alone
 * (CONTRACTS §5). A SQLite warehouse is one pipeline's: beside the file. A PostgreSQL warehouse
 * may be written by several pipelines of this machine: one socket each, in this user's runtime
 * directory (`runtimeDir`), named by the warehouse's URL (without its password) and the pipeline.
 */
export function controlSocketPath(warehouse: string, pipeline = 'default', runtimeDir = defaultRuntimeDir()): string {
  if (!isPostgresUrl(warehouse)) return `${warehouse}.sock`;
  return `${socketPrefix(warehouse, runtimeDir)}${pipeline.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40)}.sock`;
}

/** What every control socket of `warehouse` (a URL) starts with: the pipelines of this machine are the sockets found there. */
export function socketPrefix(warehouse: string, runtimeDir = defaultRuntimeDir()): string {
  const id = createHash('sha256').update(warehouseKey(warehouse)).digest('hex').slice(0, 16);
  return join(runtimeDir, `bb-${id}-`);
}

/**
 * One spelling per PostgreSQL warehouse: host, port (default 5432), database and schema (default
 * public); no user or password (the same tables, whoever connects).
 */
function warehouseKey(url: string): string {
  try {
    const u = new URL(url);
    const host = u.searchParams.get('host') ?? u.hostname.toLowerCase();
    return `${host}:${u.port === '' ? '5432' : u.port}${u.pathname}?schema=${u.searchParams.get('schema') ?? 'public'}`;
  } catch {
    return withoutCredentials(url);
  }
}

/** This user's directory for sockets: $XDG_RUNTIME_DIR, else one of the temp directory's, per user. */
export function defaultRuntimeDir(): string {
  return process.env['XDG_RUNTIME_DIR'] ?? join(tmpdir(), `batchboard-${process.getuid?.() ?? 'user'}`);
}

/** A pipeline's name when `start --name` gives none: its log's file name (CONTRACTS §4b). */
export function defaultPipelineName(log: string): string {
  return basename(log);
}
