// CONTRACTS §2: "a row can be inserted with an id lower than rows already there; it must still be
// picked up". The watcher finds such rows by reconciliation (every reconcileMs, 1 s by default),
// and sends them without moving its high-water mark back.
import test from 'ava';
import { startSim } from '../simulator/helpers.ts';
import { waitFor } from '../wait.ts';
import { repeats, sortNum, startWatcher } from './student-watcher-helpers.ts';

test('rows back-filled below the high-water mark arrive, once, while new rows keep coming', async (t) => {
  const sim = await startSim(t, {
    history: { batches: 50, students: 30_000, testRuns: 0 },
    live: { manual: true, batchesPerSec: 0, studentsPerSec: 100, testRunsPerSec: 0 },
  });
  const w = await startWatcher(t, sim.studentsPath);
  const history = sim.expected().students.length;
  await waitFor(() => w.applied().ids.length >= history, { what: () => `the history (${w.diagnose()})`, timeoutMs: 30_000 });
  const hwm = w.lines().at(-1)!.offset as { hwm: number };

  const latencies: number[] = [];
  for (let i = 0; i < 3; i++) {
    const row = sim.insertBackfillStudent();
    const insertedAt = Date.now();
    t.true(row.id < hwm.hwm, `${row.id} is below the high-water mark ${hwm.hwm}`);
    // Live rows above the mark land meanwhile: the back-fill is not found by the forward read.
    sim.step(500);
    // The watcher's claim is 5 s; the deadline is generous for a loaded machine.
    const line = await waitFor(() => w.lines().find((l) => (l.records as { id: number }[]).some((s) => s.id === row.id)), {
      what: () => `back-filled student ${row.id} (${w.diagnose()})`,
      timeoutMs: 20_000,
    });
    latencies.push(line.at - insertedAt);
    t.deepEqual(
      (line.records as { id: number }[]).find((s) => s.id === row.id),
      { id: row.id, name: row.name, email: row.email, batch_id: row.batch_id, created_at: row.created_at },
    );
    t.true((line.offset as { hwm: number }).hwm > row.id, 'the message carries the high-water mark, not the back-filled id');
  }
  t.log(`back-fill latencies (insert to applied): ${latencies.join(', ')} ms`);

  const expected = sim.expected().students.map((s) => s.id);
  await waitFor(() => w.applied().ids.length >= expected.length, { what: () => `every student (${w.diagnose()})` });
  const ids = w.applied().ids;
  t.deepEqual(repeats(ids), []);
  t.deepEqual(sortNum(ids), expected);
  // The offsets the Aggregator stored never went back.
  const marks = w.lines().map((l) => (l.offset as { hwm: number }).hwm);
  t.deepEqual(marks, sortNum(marks));
  await waitFor(() => w.counters()['backfilled'] === 3, { what: () => `backfilled counter 3 (${JSON.stringify(w.counters())})` });
});
