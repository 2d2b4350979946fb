// A connection to a PostgreSQL warehouse, set up so that every value comes back in the shapes the
// SQLite warehouse gives: ids (bigint) as numbers, dates as YYYY-MM-DD, timestamps as
// YYYY-MM-DDTHH:MM:SS.sssZ, with search_path on the warehouse's schema and the session in UTC.
import pg from 'pg';
import { quoteIdent, type PgTarget } from './url.ts';
import { connectFault } from './errors.ts';

const INT8 = 20;
const DATE = 1082;
const TIMESTAMPTZ = 1184;

/**
 * A timestamptz as the session (TimeZone UTC, DateStyle ISO) prints it, `2024-03-02 10:00:00.5+00`,
 * as CONTRACTS' ISO-8601 with milliseconds, `2024-03-02T10:00:00.500Z`.
 */
export function isoOfTimestamptz(s: string): string {
  const m = /^(\d{4,}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d+))?\+00$/.exec(s);
  if (m === null) return s; // BC or infinite: nothing batchboard writes
  return `${m[1]}T${m[2]}.${(m[3] ?? '').padEnd(3, '0').slice(0, 3)}Z`;
}

/** Ids are safe integers (validation refuses others), so a bigint is read as a number. */
function int8(s: string): number {
  return Number(s);
}

const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): (v: string) => unknown {
    if (format !== 'binary') {
      if (oid === INT8) return int8;
      if (oid === DATE) return (v: string) => v;
      if (oid === TIMESTAMPTZ) return isoOfTimestamptz;
    }
    return pg.types.getTypeParser(oid, format ?? 'text') as (v: string) => unknown;
  },
};

export interface ConnectOptions {
  /** Refuse every write in this session (the reader's). */
  readOnly?: boolean;
  /** Time to wait for the server to answer (default 10 s). */
  timeoutMs?: number;
  applicationName?: string;
}

/** The driver's configuration for `t` (no connection made). */
export function clientConfig(t: PgTarget, o: ConnectOptions = {}): pg.ClientConfig {
  // Startup options: the schema first in search_path (pg_catalog stays implicitly before it), UTC.
  const options = [`-c search_path=${quoteIdent(t.schema)}`, '-c TimeZone=UTC', '-c DateStyle=ISO,YMD', '-c IntervalStyle=postgres'];
  // A client gone without a word (a machine off the network) must not hold its locks for the
  // operating system's two hours: the server probes an idle connection after 10 s and drops it
  // after three unanswered probes, and ends a transaction left idle for a minute (a writer's
  // transaction never waits on anything but the server).
  options.push('-c tcp_keepalives_idle=10', '-c tcp_keepalives_interval=5', '-c tcp_keepalives_count=3', '-c idle_in_transaction_session_timeout=60000');
  if (o.readOnly === true) options.push('-c default_transaction_read_only=on');
  const ssl = t.sslmode === undefined || t.sslmode === 'disable' || t.sslmode === 'prefer' ? false : t.sslmode === 'require' ? { rejectUnauthorized: false } : true;
  return {
    host: t.host,
    port: t.port,
    user: t.user,
    // Undefined: the driver falls back on PGPASSWORD and ~/.pgpass.
    ...(t.password === undefined ? {} : { password: t.password }),
    database: t.database,
    options: options.join(' '),
    application_name: o.applicationName ?? 'batchboard',
    connectionTimeoutMillis: o.timeoutMs ?? 10_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    ssl,
    types,
  };
}

/**
 * Connects. A failure is a one-line WarehouseError saying which check failed, in the contract's
 * order: the server cannot be reached, it refused the user (or the password), the database does
 * not exist. `raw`: rethrow the driver's error as it is (reconnecting tells those apart itself).
 */
export async function connect(t: PgTarget, o: ConnectOptions & { raw?: boolean } = {}): Promise<pg.Client> {
  const c = new pg.Client(clientConfig(t, o));
  // An error while idle (the backend terminated, the server restarted) arrives as an event: the
  // next query fails and its caller reconnects. Unheard, the event would end the process.
  c.on('error', () => {});
  try {
    await c.connect();
  } catch (err) {
    await c.end().catch(() => {});
    throw o.raw === true ? err : connectFault(t, err);
  }
  return c;
}
