// qualified_at end to end, on both backends: a pipeline reads lines whose event times go backwards
// (an earlier run of a lesson arriving after a later one), and each step shows in the warehouse as
// the contract defines it; at the end `verify` finds the warehouse equal to `rebuild` over the same
// sources, qualified_at included, `explain --json` shows the student's lessons earliest first, and a
// qualified_at changed behind batchboard's back is named by `verify` (exit 1).
import fs from 'node:fs';
import test from 'ava';
import { BACKENDS, newWarehouse, snapshot } from '../backends.ts';
import { batchboard } from '../cli/helpers.ts';
import { Pipeline, caughtUp, startSim, tempDir } from './helpers.ts';
import { waitFor } from '../wait.ts';
import pg from 'pg';
import Database from 'better-sqlite3';

const day = (d: number) => new Date(Date.UTC(2030, 0, 1 + d, 12)).toISOString();
const line = (id: string, student: number, lesson: number, at: string) =>
  `{"id": "${id}", "student_id": ${student}, "lesson_id": ${lesson}, "passing_count": 5, "failure_count": 0, "created_at": "${at}"}\n`;

async function qualifiedAt(warehouse: string, student: number): Promise<string | null | undefined> {
  const rows = await snapshot(warehouse, (q) => q('SELECT qualified_at FROM students WHERE id = $1', [student]));
  const v = rows?.[0]?.['qualified_at'];
  return v === undefined ? undefined : v === null ? null : v instanceof Date ? v.toISOString() : String(v);
}

for (const backend of BACKENDS) {
  test(`${backend}: event times that go backwards give the contract's qualified_at, equal to rebuild's`, async (t) => {
    const dir = tempDir(t);
    const sim = await startSim(t, dir, { history: { batches: 10, students: 100, testRuns: 3_000 } });
    const warehouse = await newWarehouse(t, backend, dir);
    const p = new Pipeline(t, sim, dir, [], { warehouse });
    p.start();
    await caughtUp(t, sim, p);
    // A student with no lesson completed yet.
    const student = Number(
      (await snapshot(warehouse, (q) => q('SELECT id FROM students WHERE completed = 0 ORDER BY id LIMIT 1')))?.[0]?.['id'] ?? NaN,
    );
    t.true(Number.isSafeInteger(student), 'the history has a student with no lessons');
    const seen = (what: string, want: string | null) =>
      waitFor(async () => (await qualifiedAt(warehouse, student)) === want, { what: `${what}: qualified_at ${want}`, timeoutMs: 20_000 });

    fs.appendFileSync(sim.logPath, line('qa-1', student, 901, day(3)) + line('qa-2', student, 902, day(2)));
    await seen('two lessons', null);
    fs.appendFileSync(sim.logPath, line('qa-3', student, 903, day(5)));
    await seen('a third, latest', day(5));
    // Lesson 903 completed earlier too (read after): the 3rd earliest is now lesson 901's day 3.
    fs.appendFileSync(sim.logPath, line('qa-4', student, 903, day(1)));
    await seen('an earlier run of lesson 903', day(3));
    // A later run of a lesson, and a failing earlier one: nothing moves.
    fs.appendFileSync(sim.logPath, line('qa-5', student, 902, day(9)) + line('qa-6', student, 904, day(0)).replace('"failure_count": 0', '"failure_count": 1'));
    fs.appendFileSync(sim.logPath, line('qa-7', student, 905, day(4)));
    await waitFor(async () => Number((await snapshot(warehouse, (q) => q('SELECT completed FROM students WHERE id = $1', [student])))?.[0]?.['completed']) === 4, {
      what: 'the 4th lesson counted',
      timeoutMs: 20_000,
    });
    t.is(await qualifiedAt(warehouse, student), day(3));

    const flags = ['--api', sim.apiUrl, '--students', sim.studentsPath, '--log', sim.logPath, '--warehouse', warehouse];
    const v = await batchboard(['verify', ...flags]);
    t.is(v.code, 0, v.stdout + v.stderr);

    const batch = Number((await snapshot(warehouse, (q) => q('SELECT batch_id FROM students WHERE id = $1', [student])))?.[0]?.['batch_id']);
    const e = await batchboard(['explain', String(batch), '--warehouse', warehouse, '--json']);
    t.is(e.code, 0, e.stderr);
    const detail = JSON.parse(e.stdout) as { students: { id: number; qualified_at: string | null; lessons: { lesson: number; at: string }[] }[] };
    const mine = detail.students.find((s) => s.id === student)!;
    t.is(mine.qualified_at, day(3));
    t.deepEqual(mine.lessons, [
      { lesson: 903, at: day(1) },
      { lesson: 902, at: day(2) },
      { lesson: 901, at: day(3) },
      { lesson: 905, at: day(4) },
    ]);

    await p.stop();
    // Another writer moves the student's qualified_at: verify names it.
    if (backend === 'sqlite') {
      const db = new Database(warehouse);
      db.prepare('UPDATE students SET qualified_at = ? WHERE id = ?').run(day(7), student);
      db.close();
    } else {
      const c = new pg.Client({ connectionString: warehouse });
      await c.connect();
      await c.query('UPDATE students SET qualified_at = $1 WHERE id = $2', [day(7), student]);
      await c.end();
    }
    const bad = await batchboard(['verify', ...flags]);
    t.is(bad.code, 1, bad.stdout + bad.stderr);
    t.regex(bad.stdout, /1 student differs/);
    t.regex(bad.stdout, new RegExp(`qualified_at`));
  });
}
