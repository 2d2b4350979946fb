// The warehouse remembers log history the sources no longer hold (storage/history.ts): each loss
// once per key, in the transaction of the records it came with; `rebuild` empties it. Schema
// version 2 added the table (and completion lists), version 3 event times (qualified_at, and the
// lists' times): the writer migrates a version-1 or version-2 warehouse, the read-only reader reads
// one as it is (no history, no qualified_at), and a newer version is refused by both.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import Database from 'better-sqlite3';
import { Warehouse } from '../../src/storage/warehouse.ts';
import { WarehouseReader, readWarehouse } from '../../src/storage/reader.ts';
import { SCHEMA_VERSION } from '../../src/storage/schema.ts';
import type { LostLog } from '../../src/storage/history.ts';
import { BASE_MS, iso, triples } from '../triples.ts';

const NOW = '2024-06-01T00:00:00.000Z';
const LATER = '2024-06-02T00:00:00.000Z';
const OFFSET = { dev: 1, ino: 2, pos: 300, head: 'eyJpZCI6' };

const truncated: LostLog = { reason: 'truncated', file: 'test_runs.log', pos: 12_345, key: 'truncated:test_runs.log:12345@1:2:eyJpZCI6' };
const deleted: LostLog = { reason: 'deleted', file: 'test_runs.log.1', pos: 678, key: 'deleted:test_runs.log.1:678@1:3:eyJpZCI6' };

function dir(t: import('ava').ExecutionContext): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'bb-history-'));
  t.teardown(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

const sha = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** Student 1 (batch 7) with lessons 1, 2, 3, written by this batchboard. */
async function written(file: string): Promise<void> {
  const w = Warehouse.open(file, { minLessons: 3, sources: 'test' });
  w.begin();
  w.applyBatches([{ id: 7, name: 'nyc-web-040124', start_date: null, created_at: NOW }], NOW);
  w.applyStudents([{ id: 1, name: 'Ada', email: null, batch_id: 7, created_at: NOW }], NOW);
  w.applyCompletions(triples([1, 1, 1, 2, 1, 3]), NOW);
  w.commit();
  await w.close();
}

/** A warehouse as batchboard's schema version 1 left it: a row per pair in completions, no lists, no log_history, no event times; schema_version 1. */
async function versionOne(file: string): Promise<void> {
  await written(file);
  const db = new Database(file);
  db.transaction(() => {
    const lists = db.prepare('SELECT student_id, lessons FROM completion_lists').raw().all() as [number, Buffer][];
    const insert = db.prepare('INSERT INTO completions (student_id, lesson_id) VALUES (?, ?)');
    for (const [s, blob] of lists) for (const l of new Float64Array(Uint8Array.from(blob).buffer)) insert.run(s, l);
    db.exec(
      "DROP TABLE completion_lists; DROP TABLE log_history; ALTER TABLE students DROP COLUMN qualified_at; UPDATE meta SET value = '1' WHERE key = 'schema_version'",
    );
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

/** A warehouse as batchboard's schema version 2 left it: lists of lessons without times, no qualified_at; schema_version 2. */
async function versionTwo(file: string): Promise<void> {
  await written(file);
  const db = new Database(file);
  db.exec(
    "ALTER TABLE completion_lists DROP COLUMN times; ALTER TABLE students DROP COLUMN qualified_at; UPDATE meta SET value = '2' WHERE key = 'schema_version'",
  );
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

test('losses are stored once per key, in the transaction of the records they came with', async (t) => {
  const file = path.join(dir(t), 'w.db');
  const w = Warehouse.open(file, { minLessons: 3, sources: 'test' });
  t.teardown(() => w.close());

  // Rolled back with the records: nothing stored.
  w.begin();
  w.applyCompletions(triples([1, 1]), NOW);
  t.is(w.recordLost([truncated], NOW), 1);
  w.setOffset('test_runs', OFFSET, NOW);
  w.rollback();
  t.deepEqual((await readWarehouse(file, (r) => r.lostHistory())), []);

  w.begin();
  t.is(w.recordLost([truncated, deleted], NOW), 2);
  w.setOffset('test_runs', OFFSET, NOW);
  w.commit();
  // Reported again (after a restart, say): the same rows, the first time seen kept.
  w.begin();
  t.is(w.recordLost([deleted, truncated], LATER), 0);
  t.is(w.recordLost([], LATER), 0);
  w.commit();

  t.deepEqual((await readWarehouse(file, (r) => r.lostHistory())), [
    { reason: 'truncated', file: 'test_runs.log', pos: 12_345, seen_at: NOW },
    { reason: 'deleted', file: 'test_runs.log.1', pos: 678, seen_at: NOW },
  ]);
});

test('rebuild (replaceAll) empties the history: the sources are all it holds now', async (t) => {
  const file = path.join(dir(t), 'w.db');
  const w = Warehouse.open(file, { minLessons: 3, sources: 'test' });
  t.teardown(() => w.close());
  w.begin();
  w.recordLost([truncated], NOW);
  w.commit();
  t.is((await readWarehouse(file, (r) => r.lostHistory())).length, 1);
  const none = new Float64Array(0);
  const empty = { batches: [], students: [], completions: { size: 0, forEach: () => {}, columns: () => ({ students: none, starts: new Uint32Array(1), lessons: none, times: none }) } };
  w.replaceAll(empty, { batches: null, students: { hwm: 0 }, test_runs: null }, []);
  t.deepEqual((await readWarehouse(file, (r) => r.lostHistory())), []);
});

test('a version-1 warehouse: read as it is by the reader (no history), migrated by the writer', async (t) => {
  t.is(SCHEMA_VERSION, 3);
  const file = path.join(dir(t), 'w.db');
  await versionOne(file);
  const before = sha(file);

  // The read-only reader: accepted, no history, the rest read as before, the file unchanged.
  const r = WarehouseReader.open(file);
  t.deepEqual(await r.lostHistory(), []);
  t.deepEqual((await r.contents()).students.map((s) => [s.id, s.completed, s.qualified_at]), [[1, 3, null]], 'no qualified_at before version 3');
  t.deepEqual(await r.leaderboard(1), [{ id: 7, name: 'nyc-web-040124', qualified_students: 1 }]);
  await r.close();
  t.is(sha(file), before, 'the reader changed nothing');

  // The writer: creates the tables and sets the version, keeping every row.
  const w = Warehouse.open(file, { minLessons: 3, sources: 'test' });
  t.teardown(() => w.close());
  t.is(w.meta('schema_version'), String(SCHEMA_VERSION));
  w.begin();
  t.is(w.recordLost([truncated], NOW), 1);
  w.commit();
  const db = new Database(file, { readonly: true });
  t.teardown(() => db.close());
  t.deepEqual(db.prepare('SELECT id, completed, qualified_at FROM students').all(), [{ id: 1, completed: 3, qualified_at: null }], 'pairs of version 1 have no time');
  t.deepEqual(db.prepare('SELECT reason, file, pos, seen_at, key FROM log_history').all(), [{ ...truncated, seen_at: NOW }]);
  t.deepEqual((await readWarehouse(file, (x) => x.lostHistory())), [{ reason: 'truncated', file: 'test_runs.log', pos: 12_345, seen_at: NOW }]);
  // The same runs read again with their times: no pair is new, and qualified_at is known from them.
  w.begin();
  t.is(w.applyCompletions(triples([1, 1, 1, 2, 1, 3]), LATER), 0);
  w.commit();
  t.deepEqual(db.prepare('SELECT id, completed, qualified_at FROM students').all(), [{ id: 1, completed: 3, qualified_at: iso(BASE_MS + 2 * 60_000) }]);
});

test('a version-2 warehouse (lists without times): read as it is, migrated by the writer, its lessons counted', async (t) => {
  const file = path.join(dir(t), 'w.db');
  await versionTwo(file);
  const before = sha(file);
  const r = WarehouseReader.open(file);
  t.deepEqual((await r.contents()).students.map((s) => [s.id, s.completed, s.qualified_at]), [[1, 3, null]]);
  await r.close();
  t.is(sha(file), before, 'the reader changed nothing');

  const w = Warehouse.open(file, { minLessons: 3, sources: 'test' });
  t.teardown(() => w.close());
  t.is(w.meta('schema_version'), String(SCHEMA_VERSION));
  const db = new Database(file, { readonly: true });
  t.teardown(() => db.close());
  t.deepEqual(db.prepare('SELECT id, completed, qualified_at FROM students').all(), [{ id: 1, completed: 3, qualified_at: null }], 'lessons of version 2 have no time');
  // A lesson more, with a time: the three stored still have none, so qualified_at (the 3rd earliest) is not known yet.
  w.begin();
  t.is(w.applyCompletions([1, 4, BASE_MS], LATER), 1);
  w.commit();
  t.deepEqual(db.prepare('SELECT id, completed, qualified_at FROM students').all(), [{ id: 1, completed: 4, qualified_at: null }]);
  // Two of the old lessons read again with their times: the 3rd earliest is known.
  w.begin();
  t.is(w.applyCompletions([1, 2, BASE_MS + 5_000, 1, 3, BASE_MS + 3_000], LATER), 0);
  w.commit();
  t.deepEqual(db.prepare('SELECT id, completed, qualified_at FROM students').all(), [{ id: 1, completed: 4, qualified_at: iso(BASE_MS + 5_000) }]);
});

test('a version-1 warehouse of other sources is refused before the migration: left byte for byte', async (t) => {
  const file = path.join(dir(t), 'w.db');
  await versionOne(file);
  const before = sha(file);
  t.throws(() => Warehouse.open(file, { minLessons: 3, sources: 'other' }), { message: /was built from other sources/ });
  t.is(sha(file), before);
});

test('a newer schema version is refused by the writer and the reader alike', async (t) => {
  const file = path.join(dir(t), 'w.db');
  await versionOne(file);
  const db = new Database(file);
  db.exec(`UPDATE meta SET value = '${SCHEMA_VERSION + 1}' WHERE key = 'schema_version'`);
  db.close();
  const before = sha(file);
  t.throws(() => WarehouseReader.open(file), { message: `warehouse ${file} has schema version ${SCHEMA_VERSION + 1}; this batchboard reads version ${SCHEMA_VERSION}` });
  t.throws(() => Warehouse.open(file, { minLessons: 3, sources: 'test' }), { message: `warehouse ${file} has schema version ${SCHEMA_VERSION + 1}; this batchboard writes version ${SCHEMA_VERSION}` });
  t.is(sha(file), before);
});
