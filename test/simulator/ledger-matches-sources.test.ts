// The ledger is what the sources hold: read back independently of the generators (API pages, the
// SQLite table, the log files), classified by rules.ts, every hard case switched on, the sources
// give the warehouse that expected() computes.
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import test from 'ava';
import { batchProblem, classifyLine, FAULT_NAMES, studentProblem, type ExpectedWarehouse } from '../../src/simulator/index.ts';
import { pageAll, startSim } from './helpers.ts';

test('every hard case on: the sources, read back, give the expected warehouse', async (t) => {
  const faults = Object.fromEntries(FAULT_NAMES.filter((f) => f !== 'truncate' && f !== 'rotate' && f !== 'slow').map((f) => [f, 0.03]));
  const sim = await startSim(t, {
    history: { batches: 200, students: 1_000, testRuns: 10_000 },
    live: { manual: true, batchesPerSec: 10, studentsPerSec: 40, testRunsPerSec: 1_000 },
    faults: { ...faults, 'http-429': 0, 'http-5xx': 0, 'not-json': 0, 'wrong-shape': 0, 'resets': 0, rotate: 4 },
    tuning: { splitPauseMs: 5 },
  });
  sim.step(20_000);
  await sim.settled();

  // Batches: page through, keep the latest version of each id, reject invalid ones.
  const latest = new Map<number, Record<string, unknown>>();
  let rejectedBatches = 0;
  for (const b of (await pageAll(sim.apiUrl)).batches as unknown as Record<string, unknown>[]) {
    if (batchProblem(b) === null) latest.set(b['id'] as number, b);
    else rejectedBatches++;
  }
  // Students: rows with the right types.
  const db = new Database(sim.studentsPath, { readonly: true });
  const rows = db.prepare('SELECT id, name, email, batch_id, created_at FROM students').all() as Record<string, unknown>[];
  db.close();
  const students = rows.filter((s) => studentProblem(s) === null);
  // Test runs: every file, blank lines skipped, duplicates by id ignored.
  const lessons = new Map<number, Set<number>>();
  const textOf = new Map<string, string>();
  let bad = 0;
  for (const f of [...sim.rotatedLogs().reverse(), sim.logPath]) {
    for (const line of readFileSync(f, 'utf8').split('\n').slice(0, -1)) {
      const c = classifyLine(line);
      if (c.kind === 'blank') continue;
      if (c.kind === 'bad') {
        bad++;
        continue;
      }
      const r = c.run;
      if (textOf.has(r.id)) {
        t.is(line, textOf.get(r.id)!, `a repeated id repeats the whole line: ${r.id}`);
        continue;
      }
      textOf.set(r.id, line);
      if (r.failure_count === 0 && r.passing_count > 0) {
        const set = lessons.get(r.student_id) ?? new Set();
        set.add(r.lesson_id);
        lessons.set(r.student_id, set);
      }
    }
  }
  const mine: ExpectedWarehouse = {
    students: students.map((s) => ({ ...(s as never as ExpectedWarehouse['students'][number]), completed: lessons.get(s['id'] as number)?.size ?? 0 })).sort((a, b) => a.id - b.id),
    batches: [...latest.values()].map((b) => {
      const members = students.filter((s) => s['batch_id'] === b['id']);
      const qualified = members.filter((s) => (lessons.get(s['id'] as number)?.size ?? 0) >= 3).length;
      return { ...(b as never as ExpectedWarehouse['batches'][number]), student_count: members.length, qualified_students: qualified };
    }).sort((a, b) => a.id - b.id),
    rejected: { batches: rejectedBatches, students: rows.length - students.length, test_runs: bad },
  };
  const expected = sim.expected();
  t.deepEqual(expected.rejected, mine.rejected);
  t.deepEqual(expected.batches, mine.batches);
  t.deepEqual(expected.students, mine.students);

  const c = sim.ledger.counts();
  for (const k of ['rejectedBatches', 'rejectedStudents', 'duplicateLines', 'badLines', 'splitLines', 'rotations'] as const) t.true(c[k] > 0, `some ${k}`);
  t.true(c.batchVersions > c.batches, 'some batch served twice');
  t.true(expected.batches.some((b) => b.qualified_students > 0));
});
