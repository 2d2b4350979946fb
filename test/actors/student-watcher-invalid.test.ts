// CONTRACTS §2: "a row that breaks the types above goes to rejected_records", once. Each kind the
// simulator writes is rejected with its reason, the raw row kept as JSON (a BLOB as
// {"blob_base64": ...}), and the same row is not rejected again by later reads or reconciliations.
import test from 'ava';
import { INVALID_STUDENT_KINDS } from '../../src/simulator/index.ts';
import { studentProblem } from '../../src/simulator/rules.ts';
import { startSim } from '../simulator/helpers.ts';
import { waitFor } from '../wait.ts';
import { repeats, startWatcher } from './student-watcher-helpers.ts';

test('each kind of invalid row is rejected once, with its reason and raw row', async (t) => {
  const sim = await startSim(t, { history: { batches: 20, students: 500, testRuns: 0 } });
  const w = await startWatcher(t, sim.studentsPath, { reconcileMs: 200 });
  await waitFor(() => w.applied().ids.length >= 500, { what: () => `the history (${w.diagnose()})` });

  const bad = INVALID_STUDENT_KINDS.map((k) => sim.insertInvalidStudent(k));
  await waitFor(() => w.applied().rejectedKeys.length >= bad.length, { what: () => `${bad.length} rejected rows (${w.diagnose()})` });

  // Later commits make the watcher read and reconcile again; none of it rejects a row twice.
  const before = Number(w.counters()['reconciles']);
  const more = sim.insertStudents(5);
  await waitFor(() => w.applied().ids.includes(more[4]!.id) && Number(w.counters()['reconciles']) >= before + 1, {
    what: () => `the next rows and a reconciliation (${JSON.stringify(w.counters())})`,
  });
  sim.insertBackfillStudent();
  await waitFor(() => w.counters()['backfilled'] === 1, { what: () => `a back-fill found (${JSON.stringify(w.counters())})` });

  const { rejected, rejectedKeys } = w.applied();
  t.deepEqual(repeats(rejectedKeys), [], 'each row rejected once');
  t.is(rejected.length, bad.length);
  t.is(rejected.length, sim.expected().rejected.students);
  for (const b of bad) {
    const r = rejected.find((x) => x.key === String(b.id));
    if (r === undefined) {
      t.fail(`${b.kind} row ${b.id} not rejected`);
      continue;
    }
    t.is(r.source, 'students');
    const row = JSON.parse(r.raw) as Record<string, unknown>;
    t.is(row['id'], b.id, b.kind);
    // Our reason is the simulator's rules' reason for the same row, as the database returns it.
    const asRead = { ...row, name: typeof row['name'] === 'string' ? row['name'] : Buffer.from([0]) };
    t.is<string | null, string | null>(r.reason, studentProblem(asRead), b.kind);
    switch (b.kind) {
      case 'name-blob':
        t.deepEqual(row['name'], { blob_base64: Buffer.from(b.row.name as Uint8Array).toString('base64') });
        break;
      case 'batch-id-text':
      case 'batch-id-real':
        t.is(row['batch_id'], b.row.batch_id);
        break;
      case 'created-at-format':
        t.is(row['created_at'], b.row.created_at);
        break;
    }
  }
  t.false(w.applied().ids.some((id) => bad.some((b) => b.id === id)), 'no invalid row stored as a student');
  await waitFor(() => w.counters()['rejected'] === bad.length, { what: () => `rejected counter (${JSON.stringify(w.counters())})` });
});
