// rules.ts classifies every record the simulator produces as its ledger says, and no two bad records
// share a raw text, so that counting them once by raw text and once per record agree.
import Database from 'better-sqlite3';
import test from 'ava';
import {
  BAD_LINE_KINDS, INVALID_BATCH_KINDS, INVALID_STUDENT_KINDS, LINE_VARIANTS, batchProblem, classifyLine, isTimestamp, studentProblem,
} from '../../src/simulator/index.ts';
import { logLines, startSim } from './helpers.ts';

test('every bad line kind is bad, every variant is its run, a blank line is blank', async (t) => {
  const sim = await startSim(t, { history: { batches: 2, students: 20, testRuns: 0 } });
  const bad = BAD_LINE_KINDS.flatMap((k) => Array.from({ length: 8 }, () => sim.writeBadLine(k)));
  const fields = { student_id: 3, lesson_id: 4, passing_count: 5, failure_count: 0 };
  const variants = LINE_VARIANTS.filter((v) => v !== 'blank-line').map((variant) => sim.writeTestRun(fields, { variant }));
  sim.writeBlankLine();
  await sim.settled();
  const lines = logLines(sim);
  t.is(lines.length, bad.length + variants.length + 1);

  for (const b of bad) t.is(classifyLine(lines[b.line]!).kind, 'bad', `${b.kind}: ${b.text.slice(0, 80)}`);
  t.is(new Set(bad.map((b) => lines[b.line])).size, bad.length, 'no two bad lines alike');
  variants.forEach((run, i) => {
    const c = classifyLine(lines[bad.length + i]!);
    t.is(c.kind, 'run');
    if (c.kind === 'run') t.like(c.run, run);
  });
  t.deepEqual(classifyLine(lines.at(-1)!), { kind: 'blank' });
  t.true(bad.some((b) => b.bytes > 65_537 && classifyLine(lines[b.line]!).kind === 'bad'));
});

test('every invalid batch has a problem, every valid one none, and no two invalid ones are served alike', async (t) => {
  const sim = await startSim(t, { history: { batches: 0, students: 0, testRuns: 0 } });
  const valid = sim.addBatches(20);
  const invalid = INVALID_BATCH_KINDS.flatMap((k) => Array.from({ length: 10 }, () => sim.addInvalidBatch(k)));
  for (const b of valid) t.is(batchProblem(b), null);
  for (const r of invalid) t.not(batchProblem(r.raw), null, r.kind);
  t.is(new Set(invalid.map((r) => JSON.stringify(r.raw))).size, invalid.length);
  t.is(invalid.filter((r) => r.raw['id'] === 0).length, 1, 'id 0 once');
});

test('every invalid student row has a problem as read back, every valid one none', async (t) => {
  const sim = await startSim(t);
  const rejected = INVALID_STUDENT_KINDS.map((k) => sim.insertInvalidStudent(k));
  const db = new Database(sim.studentsPath, { readonly: true });
  t.teardown(() => db.close());
  const rows = db.prepare('SELECT * FROM students').all() as Record<string, unknown>[];
  const bad = new Set(rejected.map((r) => r.id));
  for (const row of rows) t.is(studentProblem(row) !== null, bad.has(row['id'] as number), String(row['id']));
});

test('timestamps must name a real instant', (t) => {
  t.true(isTimestamp('2024-02-29T23:59:59.999Z'));
  for (const s of ['2023-02-29T10:00:00.000Z', '2024-03-02T10:00:00Z', '2024-03-02 10:00:00.000Z', '2024-03-02T24:00:00.000Z', 17]) t.false(isTimestamp(s), String(s));
});
