// CONTRACTS §2: a row can be inserted with an id below rows already there; it lands, in WAL mode.
import Database from 'better-sqlite3';
import test from 'ava';
import { STUDENTS_SCHEMA } from '../../src/simulator/index.ts';
import { startSim } from './helpers.ts';

test('student ids below the high-water mark land in the table', async (t) => {
  const sim = await startSim(t, { history: { batches: 20, students: 2_000, testRuns: 0 } });
  const db = new Database(sim.studentsPath, { readonly: true });
  t.teardown(() => db.close());
  const max = () => (db.prepare('SELECT max(id) AS m FROM students').get() as { m: number }).m;
  const hwm = max();

  const rows = [sim.insertBackfillStudent(), sim.insertBackfillStudent(), sim.insertBackfillStudent()];
  for (const row of rows) {
    t.true(row.id < hwm, `${row.id} is below ${hwm}`);
    t.deepEqual(db.prepare('SELECT * FROM students WHERE id = ?').get(row.id), row);
  }
  t.is(max(), hwm, 'the high-water mark did not move');
  t.is((db.prepare('SELECT count(*) AS n FROM students').get() as { n: number }).n, 2_003);
  t.is(new Set(rows.map((r) => r.id)).size, 3);
});

test('the table is exactly the schema of CONTRACTS §2, in WAL mode, written by the simulator', async (t) => {
  const sim = await startSim(t);
  const db = new Database(sim.studentsPath, { readonly: true });
  t.teardown(() => db.close());
  t.is((db.prepare("SELECT sql FROM sqlite_master WHERE name = 'students'").get() as { sql: string }).sql, STUDENTS_SCHEMA);
  t.is(db.pragma('journal_mode', { simple: true }), 'wal');
  t.deepEqual(db.prepare('SELECT * FROM students ORDER BY id').all(), [...sim.ledger.studentRecords()].sort((a, b) => a.id - b.id));
});

test('with the backfill fault, live students arrive below the high-water mark', async (t) => {
  const sim = await startSim(t, {
    history: { batches: 20, students: 2_000, testRuns: 0 },
    live: { manual: true, batchesPerSec: 0, studentsPerSec: 50, testRunsPerSec: 0 },
    faults: { 'backfill-students': 0.3 },
  });
  sim.step(2_000);
  let hwm = 0;
  let below = 0;
  for (const s of sim.ledger.studentRecords()) {
    if (s.id < hwm) below++;
    hwm = Math.max(hwm, s.id);
  }
  t.true(below >= 10, `${below} back-filled`);
});
