// expected(): completed = distinct lessons with a run where failure_count = 0 and passing_count > 0;
// duplicates change nothing; runs before their student count once it exists.
import test from 'ava';
import { expectedTop } from '../../src/simulator/index.ts';
import { startSim } from './helpers.ts';

test('the expectation follows the definitions of CONTRACTS §3-§4', async (t) => {
  const sim = await startSim(t, { history: { batches: 0, students: 0, testRuns: 0 } });
  const [b1, b2, b3] = sim.addBatches(3);
  const [ann, bob] = sim.insertStudents(2, { batchId: b1!.id });
  const [cat] = sim.insertStudents(1, { batchId: b2!.id });
  const run = (sid: number, lesson: number, passing: number, failure: number) => sim.writeTestRun({ student_id: sid, lesson_id: lesson, passing_count: passing, failure_count: failure });

  run(ann!.id, 1, 3, 2); // failing
  run(ann!.id, 1, 5, 0); // pass
  run(ann!.id, 1, 5, 0); // same lesson again: still one
  run(ann!.id, 2, 0, 0); // no tests ran: not a completion
  run(ann!.id, 3, 4, 0);
  sim.writeDuplicateLine();
  run(ann!.id, 4, 4, 0);
  run(bob!.id, 1, 4, 0);
  run(bob!.id, 2, 4, 0);
  run(bob!.id, 3, 0, 4);
  sim.writeBadLine('negative-count');
  sim.writeBadLine('wrong-type');
  const early = sim.writeEarlyTestRun();
  for (let l = 1; l <= 3; l++) run(early.student_id, l, 2, 0);

  let w = sim.expected();
  const completed = () => Object.fromEntries(w.students.map((s) => [s.id, s.completed]));
  t.deepEqual(completed(), { [ann!.id]: 3, [bob!.id]: 2, [cat!.id]: 0 });
  t.deepEqual(w.batches.map((b) => [b.id, b.student_count, b.qualified_students]), [[b1!.id, 2, 1], [b2!.id, 1, 0], [b3!.id, 0, 0]]);
  t.deepEqual(w.rejected, { batches: 0, students: 0, test_runs: 2 });
  t.is(w.students.length, 3, 'the early run has no student yet');

  // Insert students until the early run's id comes up (it is one of the next few ids).
  let last = sim.insertStudents(1, { batchId: b3!.id })[0]!;
  while (last.id < early.student_id) last = sim.insertStudents(1, { batchId: b3!.id })[0]!;
  t.is(last.id, early.student_id, 'not skipped as an id gap (with this seed)');
  w = sim.expected();
  t.is(w.students.find((s) => s.id === early.student_id)!.completed, 3, 'runs before the student count once it exists');
  t.is(w.batches.find((b) => b.id === b3!.id)!.qualified_students, 1);
  t.is(w.batches.find((b) => b.id === b1!.id)!.qualified_students, 1);
  t.deepEqual(sim.expected({ minLessons: 2 }).batches.find((b) => b.id === b1!.id)!.qualified_students, 2);
  t.deepEqual(expectedTop(w, 2).map((b) => b.id), [b1!.id, b3!.id]);

  // A student whose batch is never served still has a row; the batch has none.
  const orphan = sim.insertStudents(1, { batchId: 9_999 })[0]!;
  run(orphan.id, 1, 1, 0);
  w = sim.expected();
  t.like(w.students.find((s) => s.id === orphan.id), { batch_id: 9_999, completed: 1 });
  t.false(w.batches.some((b) => b.id === 9_999));
});
