// The history looks like Flatiron's data: batch names, uneven batches, lessons 1..N, failing runs
// before a pass, students who never pass, runs by students who exist by then.
import { readFileSync } from 'node:fs';
import test from 'ava';
import { startSim } from './helpers.ts';

test('the default history: 100 batches, 5,000 students, 500,000 test runs of realistic shape', async (t) => {
  const sim = await startSim(t, { history: {} });
  const c = sim.ledger.counts();
  t.deepEqual([c.batches, c.students, c.testRuns, c.lines], [100, 5_000, 500_000, 500_000]);

  for (const b of sim.ledger.batches.values()) {
    t.regex(b.name, /^(nyc|sf|sea|chi|hou|dc|atx|den|lon|online)-(web|ds|cyber|ux|se)-\d{6}$/);
    if (b.start_date !== null) t.is(b.name.slice(-6), b.start_date.slice(5, 7) + b.start_date.slice(8, 10) + b.start_date.slice(2, 4));
  }

  const w = sim.expected();
  const sizes = w.batches.map((b) => b.student_count).sort((a, b) => a - b);
  t.true(sizes[sizes.length - 1]! > 4 * sizes[Math.floor(sizes.length / 2)]!, `uneven: median ${sizes[50]}, max ${sizes[99]}`);
  t.is(sizes.reduce((a, b) => a + b, 0), 5_000);

  // Per student and lesson: runs in order; count the failing runs before the first pass.
  const created = new Map([...sim.ledger.studentRecords()].map((s) => [s.id, s.created_at]));
  const failsBefore = new Map<string, number>();
  const passed = new Set<string>();
  const runsBy = new Map<number, number>();
  for (const line of readFileSync(sim.logPath, 'utf8').split('\n').slice(0, -1)) {
    const r = JSON.parse(line) as { student_id: number; lesson_id: number; passing_count: number; failure_count: number; created_at: string };
    t.true(r.lesson_id >= 1 && r.lesson_id <= 40);
    const since = created.get(r.student_id);
    if (since === undefined || since > r.created_at) t.fail(`run by ${r.student_id} before the student exists`);
    runsBy.set(r.student_id, (runsBy.get(r.student_id) ?? 0) + 1);
    const key = `${r.student_id}/${r.lesson_id}`;
    if (r.failure_count === 0 && r.passing_count > 0) passed.add(key);
    else if (!passed.has(key)) failsBefore.set(key, (failsBefore.get(key) ?? 0) + 1);
  }
  const severalFails = [...passed].filter((k) => (failsBefore.get(k) ?? 0) >= 2).length;
  t.true(severalFails > passed.size / 5, `${severalFails} of ${passed.size} lessons passed after 2+ failing runs`);
  const neverPass = w.students.filter((s) => s.completed === 0 && (runsBy.get(s.id) ?? 0) >= 20).length;
  t.true(neverPass >= 20, `${neverPass} active students who never passed anything`);
  const qualified = w.students.filter((s) => s.completed >= 3).length;
  t.true(qualified > 1_000 && qualified < 5_000, `${qualified} qualified`);
});

test('history sizes are enforced', async (t) => {
  const err = await t.throwsAsync(startSim(t, { history: { batches: 100_001 } }));
  t.is(err?.message, 'history.batches must be between 0 and 100000, got 100001');
  await t.throwsAsync(startSim(t, { history: { students: 1_000_001 } }), { message: /history.students must be between 0 and 1000000/ });
  await t.throwsAsync(startSim(t, { history: { testRuns: 20_000_001 } }), { message: /history.testRuns must be between 0 and 20000000/ });
});
