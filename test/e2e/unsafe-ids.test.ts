// Ids no JavaScript number holds exactly (past 2^53) in every source: each is rejected with its
// value as written, and none moves the StudentWatcher's high-water mark or its back-fill counts.
// Before the fix a students row with id 9007199254740993 was read as 9007199254740992, became the
// high-water mark, and every student inserted after it with a lower id was lost for good.
import fs from 'node:fs';
import Database from 'better-sqlite3';
import test from 'ava';
import { batchboard } from '../cli/helpers.ts';
import { Pipeline, caughtUp, expectedRows, startSim, tempDir, waitForExact } from './helpers.ts';
import { waitFor } from '../wait.ts';
import type { ActorStatus } from '../../src/runtime/index.ts';

const BIG = '9007199254740993';

async function watcherCounters(warehouse: string): Promise<Record<string, number | string>> {
  const r = await batchboard(['status', '--warehouse', warehouse, '--json']);
  if (r.code !== 0) throw new Error(`status: exit ${r.code}: ${r.stderr}`);
  return (JSON.parse(r.stdout) as ActorStatus[]).find((a) => a.name === 'StudentWatcher')!.counters;
}

function rejected(warehouse: string, source: string): { reason: string; raw: string; key: string }[] {
  const db = new Database(warehouse, { readonly: true });
  try {
    return db.prepare('SELECT reason, raw, key FROM rejected_records WHERE source = ? ORDER BY id').all(source) as { reason: string; raw: string; key: string }[];
  } finally {
    db.close();
  }
}

test('ids past 2^53 are rejected as written; students inserted after one are not lost (hot and full restarts)', async (t) => {
  const dir = tempDir(t);
  const sim = await startSim(t, dir, { seed: 53 });
  const pipeline = new Pipeline(t, sim, dir);
  pipeline.start();
  await caughtUp(t, sim, pipeline);
  const extra = { batches: 0, students: 0, test_runs: 0 };
  const expected = () => {
    const e = expectedRows(sim);
    return { ...e, rejected: { batches: e.rejected.batches, students: e.rejected.students + extra.students, test_runs: e.rejected.test_runs + extra.test_runs } };
  };

  // Another program inserts a row whose id is past 2^53, then the simulator inserts a normal one.
  const batchId = sim.expected().batches[0]!.id;
  const other = new Database(sim.studentsPath);
  other.pragma('busy_timeout = 5000');
  other.prepare('INSERT INTO students (id, name, email, batch_id, created_at) VALUES (?, ?, ?, ?, ?)').run(BigInt(BIG), 'Big Id', null, batchId, '2024-03-02T10:00:00.000Z');
  other.close();
  extra.students++;
  await waitFor(() => rejected(pipeline.warehouse, 'students').some((r) => r.key.startsWith('90071992547409')), {
    what: 'the row past 2^53 to be rejected',
    timeoutMs: 20_000,
  });
  sim.insertStudents(1);
  // The API serves a batch whose id is past 2^53; the log gets a student_id past 2^53 and a
  // student_id that JSON.parse would round to student 1, completing a lesson nobody completed.
  sim.addInvalidBatch('id-past-2^53');
  const bigLine = `{"id":"tr-big-1","student_id":${BIG},"lesson_id":5,"passing_count":3,"failure_count":0,"created_at":"2024-03-02T10:00:00.000Z"}`;
  const roundedLine = '{"id":"tr-big-2","student_id":1.00000000000000001,"lesson_id":777777,"passing_count":3,"failure_count":0,"created_at":"2024-03-02T10:00:00.000Z"}';
  fs.appendFileSync(sim.logPath, `${bigLine}\n${roundedLine}\n`);
  extra.test_runs += 2;
  await waitForExact(t, pipeline, expected());

  const students = rejected(pipeline.warehouse, 'students');
  const big = students.find((r) => r.key === BIG);
  t.truthy(big, `the row is rejected under its exact id: ${JSON.stringify(students)}`);
  t.regex(big!.reason, new RegExp(`id ${BIG} is not an integer within`));
  t.true(big!.raw.includes(`"id":${BIG}`), big!.raw);
  const batches = rejected(pipeline.warehouse, 'batches');
  t.true(batches.some((r) => /"id":9007199254741\d{3}/.test(r.raw) && /^id 9007199254741\d{3} is not/.test(r.reason)), JSON.stringify(batches));
  const lines = rejected(pipeline.warehouse, 'test_runs');
  t.true(lines.some((r) => r.raw === bigLine && r.reason.startsWith(`student_id ${BIG} `)), JSON.stringify(lines));
  t.true(lines.some((r) => r.raw === roundedLine && r.reason.startsWith('student_id 1.00000000000000001 ')), JSON.stringify(lines));
  // Counters reach `status` with the heartbeats (every second): wait for the first.
  const hwm = await waitFor(
    async () => {
      const offset = (await watcherCounters(pipeline.warehouse))['offset'];
      return typeof offset === 'number' ? offset : null;
    },
    { what: 'the StudentWatcher to show its high-water mark', timeoutMs: 20_000, intervalMs: 100 },
  );
  t.true(hwm < 2 ** 53, `the high-water mark stays a real id: ${hwm}`);

  // A hot restart of the StudentWatcher, then a student inserted below: found.
  t.is((await batchboard(['restart', 'StudentWatcher', '--warehouse', pipeline.warehouse])).code, 0);
  sim.insertStudents(1);
  await waitForExact(t, pipeline, expected());

  // A full restart, then another: found too, and the big row is stored once.
  t.is((await pipeline.stop('SIGTERM')).code, 0);
  pipeline.start();
  await waitFor(async () => Number((await watcherCounters(pipeline.warehouse).catch(() => ({}) as Record<string, unknown>))['offset']) > 0, {
    what: 'the StudentWatcher to resume',
    timeoutMs: 30_000,
    intervalMs: 100,
  });
  sim.insertStudents(1);
  await waitForExact(t, pipeline, expected());
  t.is(rejected(pipeline.warehouse, 'students').filter((r) => r.key === BIG).length, 1);
  t.is((await pipeline.stop('SIGTERM')).code, 0);

  const v = await batchboard(['verify', '--api', sim.apiUrl, '--students', sim.studentsPath, '--log', sim.logPath, '--warehouse', pipeline.warehouse]);
  t.is(v.code, 0, `verify: ${v.stdout}${v.stderr}`);
});
