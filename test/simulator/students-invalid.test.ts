// CONTRACTS §2: a row that breaks the types goes to rejected_records; the simulator writes such rows.
import Database from 'better-sqlite3';
import test from 'ava';
import { INVALID_STUDENT_KINDS } from '../../src/simulator/index.ts';
import { startSim } from './helpers.ts';

test('each kind of invalid student row is in the table with the wrong type, and in the ledger', async (t) => {
  const sim = await startSim(t);
  const rejected = INVALID_STUDENT_KINDS.map((k) => sim.insertInvalidStudent(k));
  const db = new Database(sim.studentsPath, { readonly: true });
  t.teardown(() => db.close());
  const types = (id: number) =>
    db.prepare('SELECT typeof(name) AS name, typeof(batch_id) AS batch_id, created_at FROM students WHERE id = ?').get(id) as Record<string, string>;
  const byKind = Object.fromEntries(rejected.map((r) => [r.kind, types(r.id)]));
  t.is(byKind['batch-id-text']!['batch_id'], 'text');
  t.is(byKind['batch-id-real']!['batch_id'], 'real');
  t.is(byKind['name-blob']!['name'], 'blob');
  t.notRegex(byKind['created-at-format']!['created_at']!, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  t.is(sim.expected().rejected.students, 4);
  t.false(sim.expected().students.some((s) => rejected.some((r) => r.id === s.id)));
});

test('a student before their batch: batch_id names a batch served later', async (t) => {
  const sim = await startSim(t);
  const s = sim.insertEarlyStudent();
  t.false(sim.ledger.batches.has(s.batch_id));
  const later = sim.addBatches(3).map((b) => b.id);
  t.true(later.includes(s.batch_id));
  t.is(sim.expected().batches.find((b) => b.id === s.batch_id)!.student_count, 1);
});
