// CONTRACTS §2: every row of the students table reaches the Aggregator once, the history and the
// rows inserted while the watcher reads, and every invalid row is rejected once. The simulator's
// writer keeps inserting all the while: the watcher's reads never hold it up.
import test from 'ava';
import { startSim } from '../simulator/helpers.ts';
import { waitFor } from '../wait.ts';
import { repeats, sortNum, startWatcher } from './student-watcher-helpers.ts';

test('history and live inserts all arrive, each once', async (t) => {
  const sim = await startSim(t, {
    history: { batches: 50, students: 20_000, testRuns: 0 },
    live: { batchesPerSec: 1, studentsPerSec: 400, testRunsPerSec: 0 },
    faults: { 'invalid-students': 0.01, 'early-students': 0.02 },
  });
  const inHistory = sim.ledger.counts().students;
  const w = await startWatcher(t, sim.studentsPath);

  // The writer goes on inserting while the watcher reads the history and follows it.
  await waitFor(() => sim.ledger.counts().students >= inHistory + 1_000 && w.applied().ids.length > inHistory, {
    what: () => `1,000 live inserts and the history delivered (${w.diagnose()})`,
    timeoutMs: 30_000,
  });
  await sim.pause();
  t.is(sim.error, null, 'the simulated writer never failed');

  const expected = sim.expected();
  const ids = expected.students.map((s) => s.id);
  await waitFor(() => w.applied().ids.length >= ids.length && w.applied().rejectedKeys.length >= expected.rejected.students, {
    what: () => `${ids.length} students and ${expected.rejected.students} rejected rows (${w.diagnose()})`,
    timeoutMs: 30_000,
  });
  const got = w.applied();
  t.deepEqual(repeats(got.ids), [], 'no student sent twice');
  t.deepEqual(sortNum(got.ids), ids);
  t.deepEqual(repeats(got.rejectedKeys), [], 'no row rejected twice');
  t.is(got.rejectedKeys.length, expected.rejected.students);
  t.deepEqual(sortNum(got.rejectedKeys.map(Number)), sortNum(sim.ledger.rejectedStudents.map((r) => r.id)));
  t.true(expected.rejected.students > 0, 'the run had invalid rows');

  // What was applied is a faithful copy of the source rows.
  const byId = new Map(expected.students.map((s) => [s.id, s]));
  const sample = w.lines().flatMap((l) => l.records as { id: number }[]).filter((_, i) => i % 97 === 0);
  for (const s of sample) {
    const e = byId.get(s.id)!;
    t.deepEqual(s, { id: e.id, name: e.name, email: e.email, batch_id: e.batch_id, created_at: e.created_at });
  }
  // Status shows the same, once its counters (sampled by the heartbeat) and the acks caught up.
  await waitFor(
    () => {
      const c = w.counters();
      return c['records'] === ids.length && c['rejected'] === expected.rejected.students && c['committed'] === c['offset'] && c['lag'] === 0;
    },
    { what: () => `status counters to match (${JSON.stringify(w.counters())})` },
  );
  t.is(w.counters()['offset'], Math.max(...ids, ...sim.ledger.rejectedStudents.map((r) => r.id)));
});
