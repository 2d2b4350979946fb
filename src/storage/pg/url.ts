// A PostgreSQL warehouse named by URL (CONTRACTS §4b):
//   postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=NAME]   (postgresql:// too)
// The password is kept apart from everything that can be shown: `shown` (and every message built
// from a PgTarget) never holds it. Pure: no I/O.
import { userInfo } from 'node:os';
import { WarehouseError } from '../errors.ts';
import { isPostgresUrl } from '../../domain/identity.ts';

export interface PgTarget {
  user: string;
  /** Undefined when the URL has none (then PGPASSWORD or ~/.pgpass may give one). */
  password: string | undefined;
  /** A host name, an address, or a directory holding the server's socket (`?host=/run/postgresql`). */
  host: string;
  port: number;
  database: string;
  /** The schema holding the warehouse's tables (default `public`). */
  schema: string;
  /** `sslmode` as given (disable, prefer, require, verify-full); undefined: none asked. */
  sslmode: string | undefined;
  /** The URL as it may be shown: no password, the schema always named. */
  shown: string;
  /** The server as it may be shown: HOST:PORT. */
  server: string;
}

/** A schema name batchboard creates and quotes without surprises: lower case, as PostgreSQL folds names. */
const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,62}$/;
const SSLMODES = new Set(['disable', 'prefer', 'require', 'verify-ca', 'verify-full']);

/** Parses a warehouse URL; throws a one-line WarehouseError (without the password) when it is not one. */
export function parsePgUrl(url: string): PgTarget {
  const bad = (why: string): never => {
    throw new WarehouseError(`warehouse ${redact(url)} is not a usable PostgreSQL URL: ${why} (for example postgres://user@127.0.0.1:5432/db?schema=public)`);
  };
  if (!isPostgresUrl(url)) bad('it must start with postgres:// or postgresql://');
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return bad('it cannot be parsed');
  }
  const dec = (s: string, what: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      return bad(`its ${what} is not valid percent-encoding`);
    }
  };
  const user = u.username === '' ? (process.env['PGUSER'] ?? userInfo().username) : dec(u.username, 'user name');
  const password = u.password === '' ? undefined : dec(u.password, 'password');
  const database = dec(u.pathname.replace(/^\//, ''), 'database name');
  if (database === '' || database.includes('/')) bad('it names no database (…/DATABASE)');
  let host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  let schema = 'public';
  let sslmode: string | undefined;
  for (const [k, v] of u.searchParams) {
    if (k === 'schema') schema = v;
    else if (k === 'host') host = v;
    else if (k === 'sslmode') sslmode = v;
    else bad(`parameter '${k}' is not understood (schema, host and sslmode are)`);
  }
  if (host === '') host = 'localhost';
  if (!SCHEMA_RE.test(schema)) bad(`schema '${schema}' is not a lower-case name of letters, digits and _ (up to 63)`);
  if (sslmode !== undefined && !SSLMODES.has(sslmode)) bad(`sslmode '${sslmode}' is not one of ${[...SSLMODES].join(', ')}`);
  const port = u.port === '' ? 5432 : Number(u.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) bad(`port '${u.port}' is not 1..65535`);
  const hostShown = host.includes(':') ? `[${host}]` : host;
  const server = host.startsWith('/') ? `${host} (port ${port})` : `${hostShown}:${port}`;
  const query = new URLSearchParams();
  query.set('schema', schema);
  if (host.startsWith('/')) query.set('host', host);
  if (sslmode !== undefined) query.set('sslmode', sslmode);
  const shown = `postgres://${encodeURIComponent(user)}@${host.startsWith('/') ? '' : hostShown}:${port}/${encodeURIComponent(database)}?${query.toString()}`;
  return { user, password, host, port, database, schema, sslmode, shown, server };
}

/** `url` with any password in it replaced: for messages about a URL that could not be parsed. */
export function redact(url: string): string {
  const hidden = redactInfo(url);
  return hidden.replace(/([?&]password=)[^&#]*/gi, '$1***');
}

function redactInfo(url: string): string {
  const i = url.indexOf('://');
  if (i < 0) return url;
  const rest = url.slice(i + 3);
  // Up to the last '@': a password may hold '@' and '/' when not percent-encoded; hiding too much is fine.
  const at = rest.lastIndexOf('@');
  if (at < 0) return url;
  const info = rest.slice(0, at);
  const colon = info.indexOf(':');
  return colon < 0 ? url : `${url.slice(0, i + 3)}${info.slice(0, colon)}:***${rest.slice(at)}`;
}

/** The schema's name as an SQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
