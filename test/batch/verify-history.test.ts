// CONTRACTS §4: log lines the warehouse read before they were gone from the log stay counted, and
// `verify` says that this is why it differs, rather than reporting bare differences. Here the lost
// history is written the way the Aggregator writes it (Warehouse.recordLost, in the transaction of
// the completions read from those lines); verify-truncation.test.ts does it with a real pipeline.
import test, { type ExecutionContext } from 'ava';
import Database from 'better-sqlite3';
import { batchboard } from '../cli/helpers.ts';
import { startSim } from '../simulator/helpers.ts';
import { sourceFlags, warehousePath } from './helpers.ts';
import { Warehouse } from '../../src/storage/warehouse.ts';
import { sourcesId } from '../../src/domain/identity.ts';
import type { Simulator } from '../../src/simulator/index.ts';

const SEEN = '2024-06-01T12:00:00.000Z';
const SEEN_2 = '2024-06-01T13:30:00.000Z';

interface Victim {
  id: number;
  batch_id: number;
  completed: number;
  qualified_students: number;
}

/** A rebuilt warehouse, then what a pipeline would have counted from lines since gone: 3 lessons of one student. */
async function rebuiltThenLost(t: ExecutionContext): Promise<{ sim: Simulator; warehouse: string; flags: string[]; victim: Victim }> {
  const sim = await startSim(t, { seed: 5, history: { batches: 12, students: 200, testRuns: 1_500 } });
  const warehouse = warehousePath(t);
  const flags = [...sourceFlags(sim), '--warehouse', warehouse];
  t.is((await batchboard(['rebuild', ...flags])).code, 0);
  const db = new Database(warehouse, { readonly: true });
  // A student short of the minimum in a served batch: 3 more lessons make them qualified.
  const victim = db
    .prepare('SELECT s.id, s.batch_id, s.completed, b.qualified_students FROM students s JOIN batches b ON b.id = s.batch_id WHERE s.completed < 3 ORDER BY s.id LIMIT 1')
    .get() as Victim;
  db.close();
  t.truthy(victim, 'a student short of the minimum');

  const w = Warehouse.open(warehouse, { minLessons: 3, sources: sourcesId({ api: sim.apiUrl, students: sim.studentsPath, log: sim.logPath }) });
  w.begin();
  const seen = Date.parse(SEEN);
  w.applyCompletions([victim.id, 900_001, seen - 3_000, victim.id, 900_002, seen - 2_000, victim.id, 900_003, seen - 1_000], SEEN);
  w.recordLost([{ reason: 'truncated', file: 'test_runs.log', pos: 1_234_567, key: 'k-truncated' }], SEEN);
  w.recordLost([{ reason: 'deleted', file: 'test_runs.log.1', pos: 4_096, key: 'k-deleted' }], SEEN_2);
  // A loss of nothing (a file deleted before a byte of it was read) explains nothing: not named.
  w.recordLost([{ reason: 'deleted', file: 'test_runs.log.2', pos: 0, key: 'k-empty' }], SEEN_2);
  w.commit();
  await w.close();
  return { sim, warehouse, flags, victim };
}

test('differences of the kind lost lines make: verify names the history and says they may come from there', async (t) => {
  const { warehouse, flags, victim } = await rebuiltThenLost(t);
  const r = await batchboard(['verify', ...flags]);
  t.log(r.stdout);
  t.is(r.code, 1, 'still different: exit 1');
  const lines = r.stdout.split('\n');
  t.deepEqual(lines.slice(0, 5), [
    `warehouse ${warehouse} differs from the sources:`,
    'the warehouse holds 1,238,663 bytes of log lines that the log no longer has: read and counted before they were gone, ' +
      'they stay counted (CONTRACTS §4), and a recomputation from the sources cannot see them:',
    `  - 1,234,567 bytes of test_runs.log read before a truncation seen at ${SEEN}`,
    `  - 4,096 bytes of test_runs.log.1 read before that rotated file was deleted, seen at ${SEEN_2}`,
    'the differences below may come from there: each is of the kind those lines make ' +
      '(more lessons completed, more qualified students, an earlier qualified_at, more rejected test runs in the warehouse than in the sources)',
  ]);
  t.false(r.stdout.includes('test_runs.log.2'), 'a loss of 0 bytes is not named');
  // The differences themselves are still shown.
  t.regex(r.stdout, new RegExp(`^ {4} *${victim.id} +${victim.batch_id} +${victim.completed} +${victim.completed + 3}  qualified_at: expected null, found "[0-9T:.Z-]+"$`, 'm'));
  t.regex(r.stdout, new RegExp(`^ {4} *${victim.batch_id}  .* ${victim.qualified_students} +${victim.qualified_students + 1}$`, 'm'));
});

test('differences lost lines cannot make are said to be so', async (t) => {
  const { warehouse, flags } = await rebuiltThenLost(t);
  const db = new Database(warehouse);
  db.prepare("UPDATE students SET name = 'someone else' WHERE id = (SELECT max(id) FROM students)").run();
  db.prepare('UPDATE students SET completed = completed - 1 WHERE id = (SELECT min(id) FROM students WHERE completed > 0)').run();
  db.close();
  const r = await batchboard(['verify', ...flags]);
  t.is(r.code, 1);
  t.regex(r.stdout, /^ {2}- 1,234,567 bytes of test_runs\.log read before a truncation seen at /m);
  t.regex(
    r.stdout,
    /^some differences below may come from there, but not all: 2 rows missing, extra, or differing otherwise than by more completed lessons, qualified students or an earlier qualified_at cannot come from lost log lines$/m,
  );
  t.notRegex(r.stdout, /^the differences below may come from there/m);
});

test('history that changed nothing: equal, exit 0', async (t) => {
  const sim = await startSim(t, { seed: 6, history: { batches: 5, students: 50, testRuns: 300 } });
  const warehouse = warehousePath(t);
  const flags = [...sourceFlags(sim), '--warehouse', warehouse];
  t.is((await batchboard(['rebuild', ...flags])).code, 0);
  const w = Warehouse.open(warehouse, { minLessons: 3, sources: sourcesId({ api: sim.apiUrl, students: sim.studentsPath, log: sim.logPath }) });
  w.begin();
  w.recordLost([{ reason: 'truncated', file: 'test_runs.log', pos: 100, key: 'k' }], SEEN);
  w.commit();
  await w.close();
  const r = await batchboard(['verify', ...flags]);
  t.is(r.code, 0, r.stdout);
  t.regex(r.stdout, /^warehouse .* equals the sources: 5 batches, 50 students\n$/);
});

test('a version-1 warehouse (no history table) is verified as it is, and left unchanged', async (t) => {
  const sim = await startSim(t, { seed: 8, history: { batches: 5, students: 50, testRuns: 300 } });
  const warehouse = warehousePath(t);
  const flags = [...sourceFlags(sim), '--warehouse', warehouse];
  t.is((await batchboard(['rebuild', ...flags])).code, 0);
  // As version 1 left a warehouse: a row per pair in completions, no lists, no log_history, no event times.
  const db = new Database(warehouse);
  db.transaction(() => {
    const insert = db.prepare('INSERT INTO completions (student_id, lesson_id) VALUES (?, ?)');
    for (const [s, blob] of db.prepare('SELECT student_id, lessons FROM completion_lists').raw().all() as [number, Buffer][]) {
      for (const l of new Float64Array(Uint8Array.from(blob).buffer)) insert.run(s, l);
    }
    db.exec(
      "DROP TABLE completion_lists; DROP TABLE log_history; ALTER TABLE students DROP COLUMN qualified_at; UPDATE meta SET value = '1' WHERE key = 'schema_version'; " +
        'UPDATE students SET completed = completed + 1 WHERE id = (SELECT min(id) FROM students)',
    );
  })();
  db.close();
  const r = await batchboard(['verify', ...flags]);
  t.is(r.code, 1, r.stdout + r.stderr);
  t.regex(r.stdout, /^ {2}1 student differs /m);
  t.notRegex(r.stdout, /log lines that the log no longer has/);
  const after = new Database(warehouse, { readonly: true });
  t.is(after.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get(), '1', 'verify migrates nothing');
  after.close();
});
