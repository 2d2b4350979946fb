// Opening a PostgreSQL warehouse that cannot be used (CONTRACTS §4b, §5): the server unreachable,
// the user refused, the database missing, a schema holding someone else's tables, a second writer
// of a running pipeline, a pipeline of other sources. Each is a WarehouseError of one line naming
// what failed (server, database, schema), never the password, and nothing is written.
import { spawn } from 'node:child_process';
import net from 'node:net';
import test from 'ava';
import { WarehouseError } from '../../src/storage/errors.ts';
import { PgWarehouse, type PgOpenOptions } from '../../src/storage/pg/writer.ts';
import { PgWarehouseReader } from '../../src/storage/pg/reader.ts';
import { parsePgUrl, redact } from '../../src/storage/pg/url.ts';
import { createTestDatabase, rawClient, TEST_SERVER } from '../../src/storage/pg/test-db.ts';

const PASSWORD = 'Sekr3t-pa55word';
const OPTS: PgOpenOptions = { pipeline: 'p', minLessons: 3, sources: 'x' };

/** A URL of the test server with another user, password, database or port. */
function urlWith(o: { user?: string; password?: string; database?: string; port?: number; schema?: string }): string {
  const u = new URL(TEST_SERVER);
  if (o.user !== undefined) u.username = o.user;
  if (o.password !== undefined) u.password = o.password;
  if (o.database !== undefined) u.pathname = `/${o.database}`;
  if (o.port !== undefined) u.port = String(o.port);
  if (o.schema !== undefined) u.searchParams.set('schema', o.schema);
  return u.href;
}

async function refusal(t: import('ava').ExecutionContext, p: Promise<unknown>): Promise<string> {
  const err = await t.throwsAsync(p, { instanceOf: WarehouseError });
  const m = err?.message ?? '';
  t.false(m.includes('\n'), `one line: ${m}`);
  t.false(m.includes(PASSWORD), `no password: ${m}`);
  t.false(m.includes(encodeURIComponent(PASSWORD)), `no password: ${m}`);
  return m;
}

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test('the URL: postgres:// and postgresql://, default schema public, the password never shown', (t) => {
  const a = parsePgUrl(`postgres://ann:${PASSWORD}@db.example:6543/wh?schema=bb`);
  t.like(a, { user: 'ann', password: PASSWORD, host: 'db.example', port: 6543, database: 'wh', schema: 'bb' });
  t.is(a.shown, 'postgres://ann@db.example:6543/wh?schema=bb');
  const b = parsePgUrl('postgresql://bob@127.0.0.1/wh');
  t.like(b, { port: 5432, schema: 'public', password: undefined });
  t.false(JSON.stringify({ ...a, password: undefined }).includes(PASSWORD));
  for (const bad of [`postgres://ann:${PASSWORD}@h/`, `postgres://ann:${PASSWORD}@h/db?schema=No-Such`, `postgres://ann:${PASSWORD}@h/db?pool=3`, `postgres://ann:${PASSWORD}@h:99999/db`]) {
    const err = t.throws(() => parsePgUrl(bad), { instanceOf: WarehouseError });
    t.false(err!.message.includes(PASSWORD), err!.message);
    t.false(err!.message.includes('\n'));
  }
  t.is(redact(`postgres://ann:p@ss/w@rd@h/db`), 'postgres://ann:***@h/db');
});

test('the server unreachable: one line naming it', async (t) => {
  const port = await closedPort();
  const m = await refusal(t, PgWarehouse.open(urlWith({ password: PASSWORD, port }), OPTS));
  t.regex(m, new RegExp(`cannot reach the PostgreSQL server 127\\.0\\.0\\.1:${port}`));
  const r = await refusal(t, PgWarehouseReader.open(urlWith({ password: PASSWORD, port })));
  t.regex(r, /cannot reach/);
});

test('authentication refused (a role that does not exist): one line naming the user, not the password', async (t) => {
  const m = await refusal(t, PgWarehouse.open(urlWith({ user: 'bb_no_such_role', password: PASSWORD }), OPTS));
  t.regex(m, /refused user bb_no_such_role/);
  t.regex(m, /127\.0\.0\.1:\d+/);
});

test('a missing database: one line naming it and the server', async (t) => {
  const m = await refusal(t, PgWarehouse.open(urlWith({ password: PASSWORD, database: 'bb_no_such_database' }), OPTS));
  t.regex(m, /database bb_no_such_database does not exist on the PostgreSQL server 127\.0\.0\.1:\d+/);
});

test("a schema holding someone else's tables is refused, naming them, and left as it was", async (t) => {
  const db = await createTestDatabase(undefined, 'foreign');
  t.teardown(() => db.drop());
  const c = await rawClient(db.url);
  t.teardown(() => c.end());
  await c.query('CREATE SCHEMA theirs; CREATE TABLE theirs.orders (id int); CREATE TABLE theirs.meta (k text); CREATE TABLE public.invoices (id int)');
  const list = async () => (await c.query("SELECT table_schema || '.' || table_name AS n FROM information_schema.tables WHERE table_schema IN ('theirs', 'public') ORDER BY 1")).rows.map((r) => r.n);
  const before = await list();
  const theirs = `${db.url}?schema=theirs`;
  const m = await refusal(t, PgWarehouse.open(theirs, OPTS));
  t.regex(m, /schema theirs of database bb_\w+ on the PostgreSQL server 127\.0\.0\.1:\d+ holds tables that are not a batchboard warehouse \(meta, orders\)/);
  const p = await refusal(t, PgWarehouse.open(db.url, OPTS));
  t.regex(p, /schema public .* \(invoices\)/);
  await refusal(t, PgWarehouseReader.open(theirs));
  t.deepEqual(await list(), before, 'nothing created');
  // An empty schema (or none yet) is where a warehouse is made.
  const w = await PgWarehouse.open(`${db.url}?schema=mine`, OPTS);
  await w.close();
  const r = await PgWarehouseReader.open(`${db.url}?schema=mine`);
  t.deepEqual(await r.leaderboard(10), []);
  await r.close();
  // A reader never makes one.
  await refusal(t, PgWarehouseReader.open(`${db.url}?schema=nothing_here`));
  t.is((await c.query("SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'nothing_here'")).rows[0].n, 0);
});

test('a second writer of a running pipeline is refused, naming the first; another pipeline is not', async (t) => {
  const db = await createTestDatabase(undefined, 'second');
  t.teardown(() => db.drop());
  const w = await PgWarehouse.open(db.url, OPTS);
  const m = await refusal(t, PgWarehouse.open(db.url, OPTS));
  t.regex(m, new RegExp(`pipeline p is already writing warehouse postgres://\\S+ \\(host \\S+, pid ${process.pid}, since `));
  const other = await PgWarehouse.open(db.url, { ...OPTS, pipeline: 'q', sources: 'y' });
  await other.close();
  await w.close();
  const again = await PgWarehouse.open(db.url, OPTS);
  // The same pipeline on other sources: its offsets would mean nothing there.
  await again.close();
  const s = await refusal(t, PgWarehouse.open(db.url, { ...OPTS, sources: 'z' }));
  t.regex(s, /pipeline p of warehouse .* was built from other sources \(x\)/);
  const rebuilt = await PgWarehouse.open(db.url, { ...OPTS, sources: 'z', replaceSources: true });
  await rebuilt.close();
});

test('a writer killed with -9 leaves the pipeline free (the server drops its lock with its connection)', async (t) => {
  const db = await createTestDatabase(undefined, 'kill9');
  t.teardown(() => db.drop());
  const script = `
    import { PgWarehouse } from ${JSON.stringify(new URL('../../src/storage/pg/writer.ts', import.meta.url).href)};
    await PgWarehouse.open(${JSON.stringify(db.url)}, { pipeline: 'p', minLessons: 3, sources: 'x' });
    process.stdout.write('ready\\n');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import=tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => child.kill('SIGKILL'));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.on('exit', (code) => reject(new Error(`child exited ${code}`)));
  });
  const m = await refusal(t, PgWarehouse.open(db.url, OPTS));
  t.regex(m, new RegExp(`pid ${child.pid}`));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  let w: PgWarehouse | null = null;
  for (let i = 0; i < 50 && w === null; i++) {
    w = await PgWarehouse.open(db.url, OPTS).catch(async () => {
      await new Promise((r) => setTimeout(r, 100));
      return null;
    });
  }
  t.truthy(w, 'opened once the killed writer was gone');
  await w?.close();
});
