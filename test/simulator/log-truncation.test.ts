// CONTRACTS §3: the log can be truncated to zero length and written again from the start.
import { readFileSync, statSync } from 'node:fs';
import test from 'ava';
import { startSim } from './helpers.ts';

test('truncation empties the file; later lines are written from its start', async (t) => {
  const sim = await startSim(t);
  t.true(statSync(sim.logPath).size > 0);
  sim.truncate();
  t.is(statSync(sim.logPath).size, 0);

  const fresh = sim.writeTestRuns(3);
  const text = readFileSync(sim.logPath, 'utf8');
  t.deepEqual(text.split('\n').slice(0, -1).map((l) => (JSON.parse(l) as { id: string }).id), fresh.map((r) => r.id));
  t.is(statSync(sim.logPath).size, Buffer.byteLength(text));
});

test('the ledger marks truncated lines; the expectation counts them as read unless told otherwise', async (t) => {
  const sim = await startSim(t, { history: { batches: 3, students: 30, testRuns: 0 } });
  const [a, b] = sim.insertStudents(2, { batchId: 1 });
  const pass = (sid: number, lesson: number) => sim.writeTestRun({ student_id: sid, lesson_id: lesson, passing_count: 5, failure_count: 0 });
  pass(a!.id, 1);
  pass(a!.id, 2);
  sim.writeBadLine('not-json');
  sim.truncate();
  pass(b!.id, 1);
  t.deepEqual(sim.ledger.truncations, [{ fromLine: 0, toLine: 3, firstRun: 0, endRun: 2 }]);

  const read = sim.expected({ truncatedLines: 'read' });
  const lost = sim.expected({ truncatedLines: 'lost' });
  const completed = (w: typeof read, id: number) => w.students.find((s) => s.id === id)!.completed;
  t.is(completed(read, a!.id), 2);
  t.is(completed(lost, a!.id), 0);
  t.is(completed(lost, b!.id), 1);
  t.is(read.rejected.test_runs, 1);
  t.is(lost.rejected.test_runs, 0);
});
