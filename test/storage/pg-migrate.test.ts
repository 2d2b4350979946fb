// A PostgreSQL warehouse of schema version 1 (before event times: no students.qualified_at, no
// completions.completed_at): the reader refuses it until a writer has migrated it; the writer
// migrates it on open, keeping every row; the pairs stored before have no time, so qualified_at
// stays NULL until their runs are read again with their times (as `rebuild` does).
import test from 'ava';
import { PgWarehouse } from '../../src/storage/pg/writer.ts';
import { PgWarehouseReader } from '../../src/storage/pg/reader.ts';
import { PG_SCHEMA_VERSION } from '../../src/storage/pg/schema.ts';
import { brokenInvariant, createTestDatabase, rawClient } from '../../src/storage/pg/test-db.ts';
import { emptyTx } from '../../src/storage/writer.ts';
import { BASE_MS, iso, tripleArray } from '../triples.ts';
import { brokenQualifiedAt } from './pg-qualified-at.ts';

const NOW = '2024-06-01T00:00:00.000Z';

test('version 1: refused by the reader, migrated by the writer, qualified_at known once the times are', async (t) => {
  t.is(PG_SCHEMA_VERSION, 2);
  const db = await createTestDatabase(undefined, 'migrate');
  t.teardown(() => db.drop());
  const w = await PgWarehouse.open(db.url, { pipeline: 'p', minLessons: 3, sources: 'x' });
  await w.write({
    ...emptyTx(NOW),
    batches: [{ id: 7, name: 'seven', start_date: null, created_at: NOW }],
    students: [{ id: 1, name: 'Ada', email: null, batch_id: 7, created_at: NOW }],
    completions: [tripleArray([1, 1, 1, 2, 1, 3])],
  });
  await w.close();
  // As version 1 left it.
  const c = await rawClient(db.url);
  t.teardown(() => c.end());
  await c.query("ALTER TABLE students DROP COLUMN qualified_at; ALTER TABLE completions DROP COLUMN completed_at; UPDATE meta SET value = '1' WHERE key = 'schema_version'");

  await t.throwsAsync(PgWarehouseReader.open(db.url), { message: /has schema version 1; this batchboard reads version 2/ });

  const w2 = await PgWarehouse.open(db.url, { pipeline: 'p', minLessons: 3, sources: 'x' });
  t.teardown(() => w2.close());
  t.is((await c.query("SELECT value FROM meta WHERE key = 'schema_version'")).rows[0].value, String(PG_SCHEMA_VERSION));
  const row = async () => (await c.query("SELECT completed, to_char(qualified_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS qualified_at FROM students WHERE id = 1")).rows[0];
  t.deepEqual(await row(), { completed: 3, qualified_at: null }, 'pairs of version 1 have no time');
  t.deepEqual(await brokenInvariant(c, 3), []);

  // The same runs read again with their times: nothing new, qualified_at known.
  t.like(await w2.write({ ...emptyTx(NOW), completions: [tripleArray([1, 1, 1, 2, 1, 3])] }), { completions: 0 });
  t.deepEqual(await row(), { completed: 3, qualified_at: iso(BASE_MS + 2 * 60_000) });
  t.deepEqual(await brokenInvariant(c, 3), []);
  t.deepEqual(await brokenQualifiedAt(c, 3), []);

  const r = await PgWarehouseReader.open(db.url);
  t.teardown(() => r.close());
  t.deepEqual((await r.contents()).students.map((s) => [s.id, s.completed, s.qualified_at]), [[1, 3, iso(BASE_MS + 2 * 60_000)]]);
});
