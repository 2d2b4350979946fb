// A SQLite reader kept open (the web server's) reads a batch's lessons once, then only the
// completion_lists rows added since: what it shows stays equal to what a fresh reader shows, after
// new lessons, after an earlier run of a known lesson, after a new student joins the batch, and
// after a rebuild rewrote the table (its rowids start again).
import test from 'ava';
import path from 'node:path';
import { tempDir } from '../e2e/helpers.ts';
import { Warehouse } from '../../src/storage/warehouse.ts';
import { WarehouseReader } from '../../src/storage/reader.ts';
import { computeWarehouse } from '../../src/domain/aggregate.ts';
import { INITIAL_OFFSETS } from '../../src/domain/offsets.ts';
import type { Student } from '../../src/domain/records.ts';

const NOW = '2024-03-01T00:00:00.000Z';
const day = (d: number) => Date.UTC(2024, 2, 1 + d);
const student = (id: number): Student => ({ id, name: `s${id}`, email: null, batch_id: 1, created_at: NOW });

test('a kept-open reader shows what a fresh one shows, through new rows and a rebuild', async (t) => {
  const file = path.join(tempDir(t), 'warehouse.db');
  const w = Warehouse.open(file, { minLessons: 2, sources: 'x' });
  t.teardown(() => w.close());
  const kept = WarehouseReader.open(file);
  t.teardown(() => kept.close());
  const same = async (what: string) => {
    const fresh = WarehouseReader.open(file);
    try {
      t.deepEqual(await kept.batchDetail(1), await fresh.batchDetail(1), what);
    } finally {
      await fresh.close();
    }
  };
  const apply = (f: () => void) => {
    w.begin();
    f();
    w.commit();
  };
  apply(() => {
    w.applyBatches([{ id: 1, name: 'one', start_date: null, created_at: NOW }], NOW);
    w.applyStudents([student(1), student(2)], NOW);
    w.applyCompletions([1, 10, day(3), 1, 11, day(5), 2, 10, day(1)], NOW);
  });
  await same('first view');
  t.deepEqual((await kept.batchDetail(1))!.students[0]!.lessons.map((l) => l.lesson), [10, 11]);
  apply(() => w.applyCompletions([1, 11, day(2), 2, 12, day(4)], NOW));
  await same('an earlier run of lesson 11, a new lesson of student 2');
  t.deepEqual((await kept.batchDetail(1))!.students[0]!.lessons, [
    { lesson: 11, at: new Date(day(2)).toISOString() },
    { lesson: 10, at: new Date(day(3)).toISOString() },
  ]);
  // Student 3's lessons came before it did: it joins with them.
  apply(() => w.applyCompletions([3, 10, day(0)], NOW));
  apply(() => w.applyStudents([student(3)], NOW));
  await same('a new student with earlier rows');
  t.is((await kept.batchDetail(1))!.students.length, 3);
  // A rebuild: rowids from 1 again, more rows than before (batch 2's students), none of batch 1's but student 2's.
  const others = [4, 5, 6, 7, 8, 9, 10].map((id) => ({ ...student(id), batch_id: 2 }));
  const snap = computeWarehouse({
    batches: [{ id: 1, name: 'one', start_date: null, created_at: NOW }],
    students: [student(1), student(2), student(3), ...others],
    completions: [2, 30, day(9), ...others.flatMap((s) => [s.id, 1, day(1)])],
    minLessons: 2,
  });
  w.replaceAll(snap, { ...INITIAL_OFFSETS, test_runs: null }, []);
  await same('after a rebuild');
  t.deepEqual((await kept.batchDetail(1))!.students.map((s) => s.lessons.map((l) => l.lesson)), [[], [30], []]);
});
