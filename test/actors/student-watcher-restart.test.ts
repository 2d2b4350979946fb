// Restarting the StudentWatcher mid-stream: each incarnation resumes from the offset and the known
// ids the (fake) Aggregator stored, never from memory, so across restarts every row is applied
// once: nothing missed, nothing applied twice, back-fills included.
import fs from 'node:fs';
import test from 'ava';
import { startSim } from '../simulator/helpers.ts';
import { waitFor } from '../wait.ts';
import { repeats, sortNum, startWatcher } from './student-watcher-helpers.ts';

test('restarts resume from the stored high-water mark and known ids, applying each row once', async (t) => {
  const sim = await startSim(t, {
    history: { batches: 50, students: 20_000, testRuns: 0 },
    live: { batchesPerSec: 1, studentsPerSec: 600, testRunsPerSec: 0 },
    faults: { 'backfill-students': 0.1, 'invalid-students': 0.02 },
  });
  // A slow warehouse: restarts land while messages are queued and unacknowledged.
  const w = await startWatcher(t, sim.studentsPath, { reconcileMs: 300, batchSize: 250, delayMs: 2 });

  // Each restart waits until the incarnation it ends has applied messages of its own (under load,
  // what is applied after a restart can still be the previous incarnation's queued messages).
  const seen = new Set<string>();
  const fresh = () => w.lines().some((l) => !seen.has(l.session));
  for (let i = 1; i <= 3; i++) {
    const mark = w.applied().ids.length;
    await waitFor(() => w.applied().ids.length >= mark + 1_500 && fresh(), { what: () => `1,500 more students before restart ${i} (${w.diagnose()})`, timeoutMs: 30_000 });
    for (const l of w.lines()) seen.add(l.session);
    await w.sup.restart('StudentWatcher');
  }
  const mark = w.applied().ids.length;
  await waitFor(() => w.applied().ids.length >= mark + 500 && fresh(), { what: () => `students after the restarts (${w.diagnose()})`, timeoutMs: 30_000 });
  await sim.pause();

  const expected = sim.expected();
  const ids = expected.students.map((s) => s.id);
  await waitFor(() => w.applied().ids.length >= ids.length && w.applied().rejectedKeys.length >= expected.rejected.students, {
    what: () => `${ids.length} students and ${expected.rejected.students} rejected (${w.diagnose()})`,
    timeoutMs: 30_000,
  });
  const got = w.applied();
  t.deepEqual(repeats(got.ids), [], 'no student applied twice');
  t.deepEqual(sortNum(got.ids), ids);
  t.deepEqual(repeats(got.rejectedKeys), [], 'no row rejected twice');
  t.is(got.rejectedKeys.length, expected.rejected.students);
  t.true(sim.ledger.counts().students > 0 && expected.rejected.students > 0);

  // Each incarnation resumed where the previous one's last applied message left the stored offset.
  const lines = w.lines();
  const sessions = [...new Set(lines.map((l) => l.session))];
  t.is(sessions.length, 4, 'four incarnations applied messages');
  const resumed = w.logs.of('students.resumed', 'StudentWatcher').map((e) => e.fields);
  t.is(resumed.length, 4);
  t.like(resumed[0], { hwm: 0, known: 0 });
  let knownSoFar = 0;
  for (let k = 1; k < sessions.length; k++) {
    const previous = lines.filter((l) => l.session === sessions[k - 1]);
    knownSoFar += previous.reduce((n, l) => n + l.records.length + l.rejected.length, 0);
    t.is(resumed[k]!['hwm'], (previous.at(-1)!.offset as { hwm: number }).hwm, `incarnation ${k + 1} resumed at the stored hwm`);
    t.is(resumed[k]!['known'], knownSoFar, `incarnation ${k + 1} resumed with the stored known ids`);
  }
  const state = JSON.parse(fs.readFileSync(w.state, 'utf8')) as { offsets: { students: { hwm: number } } };
  t.is(state.offsets.students.hwm, Math.max(...ids, ...sim.ledger.rejectedStudents.map((r) => r.id)));
});
