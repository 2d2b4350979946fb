// CONTRACTS §2: batchboard "opens this file read-only, never writes it, never changes its journal
// mode". With the writer gone quiet, a whole run of the watcher (reads, reconciliations, a restart,
// the shutdown that closes its connection) leaves students.db byte for byte as it was.
import test from 'ava';
import Database from 'better-sqlite3';
import { startSim } from '../simulator/helpers.ts';
import { waitFor } from '../wait.ts';
import { fileFingerprint, startWatcher } from './student-watcher-helpers.ts';

test('the watcher never writes students.db nor changes its journal mode', async (t) => {
  const sim = await startSim(t, { history: { batches: 20, students: 8_000, testRuns: 0 }, faults: { 'invalid-students': 0.01 } });
  // The writer closes (and checkpoints) first: from here on, any change to the file is ours.
  await sim.close();
  const before = fileFingerprint(sim.studentsPath);
  const expected = sim.expected();

  const w = await startWatcher(t, sim.studentsPath, { reconcileMs: 100 });
  const all = expected.students.length + expected.rejected.students;
  await waitFor(() => w.applied().ids.length + w.applied().rejectedKeys.length >= all, { what: () => `every row (${w.diagnose()})` });
  await w.sup.restart('StudentWatcher');
  await waitFor(() => Number(w.counters()['reconciles']) >= 1 && w.logs.of('students.resumed').length === 2, {
    what: () => `the second incarnation to reconcile (${JSON.stringify(w.counters())})`,
  });
  await w.sup.shutdown();

  t.is(w.applied().ids.length, expected.students.length);
  t.deepEqual(fileFingerprint(sim.studentsPath), before, 'same size, mtime and bytes');
  const check = new Database(sim.studentsPath, { readonly: true });
  t.teardown(() => check.close());
  t.is(check.pragma('journal_mode', { simple: true }), 'wal');
});
