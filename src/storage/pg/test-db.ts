// Tests and benchmarks only: a fresh database of their own on a PostgreSQL server, dropped after.
// batchboard itself never creates or drops a database (it creates its tables in an existing one).
import pg from 'pg';

/** Where the tests find the server: BATCHBOARD_TEST_PG, else the local one (trust authentication). */
export const TEST_SERVER = process.env['BATCHBOARD_TEST_PG'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  /** The new database's name. */
  name: string;
  /** A URL of the new database (the admin URL's user, host and port). */
  url: string;
  /** Drops the database, ending any session still connected to it. */
  drop(): Promise<void>;
}

let seq = 0;

/** Creates an empty database named `bb_<prefix>_<pid>_<n>_<random>` through `adminUrl`. */
export async function createTestDatabase(adminUrl: string = TEST_SERVER, prefix = 'test'): Promise<TestDatabase> {
  const name = `bb_${prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${process.pid}_${seq++}_${Math.random().toString(36).slice(2, 8)}`;
  await admin(adminUrl, `CREATE DATABASE ${name}`);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    name,
    url: u.href,
    drop: () => admin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** One statement on a connection of its own. */
export async function admin(adminUrl: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl });
  c.on('error', () => {});
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/**
 * The §4 invariant, checked in one statement (one snapshot): batches whose counts disagree with
 * their students rows (as `b<id>`), students whose `completed` disagrees with their pairs (`s<id>`).
 * Empty when consistent.
 */
export async function brokenInvariant(c: pg.Client, min: number): Promise<string[]> {
  const r = await c.query<{ what: string }>(
    `SELECT 'b' || b.id AS what FROM batches b
     WHERE b.student_count <> (SELECT count(*) FROM students s WHERE s.batch_id = b.id)
        OR b.qualified_students <> (SELECT count(*) FROM students s WHERE s.batch_id = b.id AND s.completed >= $1)
     UNION ALL
     SELECT 's' || s.id FROM students s WHERE s.completed <> (SELECT count(*) FROM completions c WHERE c.student_id = s.id)`,
    [min],
  );
  return r.rows.map((x) => x.what);
}

/** A plain connection to `url`'s database with search_path on its schema (as an outside tool, psql say, would read it). */
export async function rawClient(url: string): Promise<pg.Client> {
  const u = new URL(url);
  const schema = u.searchParams.get('schema') ?? 'public';
  u.search = '';
  const c = new pg.Client({ connectionString: u.href, options: `-c search_path="${schema}" -c TimeZone=UTC` });
  c.on('error', () => {});
  await c.connect();
  return c;
}
