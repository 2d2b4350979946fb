// students.qualified_at (CONTRACTS §4) kept by the writer, on both backends: completions arrive in
// any order, split across transactions, earlier runs of a lesson after later ones, before and after
// their student; after every commit each stored student's qualified_at and completed equal the
// from-scratch answer over what was committed; reopened with another minimum, every student's
// qualified_at is found again for it.
import test from 'ava';
import { BACKENDS, newWarehouse, snapshot } from '../backends.ts';
import { tempDir } from '../e2e/helpers.ts';
import { openWriter } from '../../src/storage/open-writer.ts';
import { emptyTx } from '../../src/storage/writer.ts';
import { computeWarehouse } from '../../src/domain/aggregate.ts';
import type { Student } from '../../src/domain/records.ts';

const NOW = '2024-03-01T00:00:00.000Z';
const T0 = Date.parse('2024-03-01T00:00:00.000Z');

function rng(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s % n;
  };
}

interface Row {
  id: number;
  completed: number;
  qualified_at: string | null;
}

async function stored(warehouse: string): Promise<Row[]> {
  const rows = await snapshot(warehouse, (q) => q('SELECT id, completed, qualified_at FROM students ORDER BY id'));
  return (rows ?? []).map((r) => ({
    id: Number(r['id']),
    completed: Number(r['completed']),
    // PostgreSQL's timestamptz comes back as a Date; SQLite's text as it is.
    qualified_at: r['qualified_at'] === null ? null : r['qualified_at'] instanceof Date ? r['qualified_at'].toISOString() : String(r['qualified_at']),
  }));
}

function expected(students: Student[], completions: number[], min: number): Row[] {
  const w = computeWarehouse({ batches: [], students, completions, minLessons: min });
  return w.students.map((s) => ({ id: s.id, completed: s.completed, qualified_at: s.qualified_at }));
}

for (const backend of BACKENDS) {
  for (const seed of [1, 2, 3]) {
    test(`${backend}, seed ${seed}: qualified_at equals the from-scratch answer after every commit, whatever the order`, async (t) => {
      const warehouse = await newWarehouse(t, backend, tempDir(t));
      const rnd = rng(seed);
      const open = (min: number) => openWriter(warehouse, { minLessons: min, sources: 'qa', pipeline: 'qa' }, () => {});
      let w = await open(3);
      const students: Student[] = [];
      const completions: number[] = [];
      let changedLater = 0;
      for (let step = 0; step < 60; step++) {
        const tx = emptyTx(NOW);
        // Sometimes a student arrives (its runs may have come before it).
        if (rnd(3) === 0 && students.length < 12) {
          const id = 1 + students.length;
          const s = { id, name: `s${id}`, email: null, batch_id: 1 + (id % 3), created_at: NOW };
          students.push(s);
          tx.students.push(s);
        }
        // Completing runs of 14 students on 6 lessons, times spread over 30 days: a lesson's earlier
        // run often comes after a later one.
        const chunk: number[] = [];
        for (let k = rnd(12); k > 0; k--) {
          const triple = [1 + rnd(14), 1 + rnd(6), T0 + rnd(30 * 86_400) * 1000 + rnd(1000)];
          chunk.push(...triple);
        }
        if (chunk.length > 0) tx.completions.push(Float64Array.from(chunk));
        await w.write(tx);
        completions.push(...chunk);
        const want = expected(students, completions, 3);
        t.deepEqual(await stored(warehouse), want, `after step ${step}`);
        if (want.some((r) => r.qualified_at !== null)) changedLater++;
      }
      t.true(changedLater > 0, 'some student qualified (the test saw qualified_at set)');
      // Another minimum: every student's qualified_at found again for it, on open.
      for (const min of [2, 5, 3]) {
        await w.close();
        w = await open(min);
        t.deepEqual(await stored(warehouse), expected(students, completions, min), `reopened with minimum ${min}`);
      }
      await w.close();
    });
  }

  test(`${backend}: an earlier run of a lesson, read later, moves qualified_at back; a later one changes nothing`, async (t) => {
    const warehouse = await newWarehouse(t, backend, tempDir(t));
    const w = await openWriter(warehouse, { minLessons: 3, sources: 'qa', pipeline: 'qa' }, () => {});
    t.teardown(() => w.close());
    const at = (day: number) => T0 + day * 86_400_000;
    await w.write({ ...emptyTx(NOW), students: [{ id: 1, name: 'a', email: null, batch_id: 1, created_at: NOW }], completions: [Float64Array.from([1, 1, at(1), 1, 2, at(2), 1, 3, at(9)])] });
    t.is((await stored(warehouse))[0]!.qualified_at, '2024-03-10T00:00:00.000Z');
    // Lesson 3 completed on day 4 too (a line from a rotated file read late): qualified then.
    await w.write({ ...emptyTx(NOW), completions: [Float64Array.from([1, 3, at(4)])] });
    t.is((await stored(warehouse))[0]!.qualified_at, '2024-03-05T00:00:00.000Z');
    // A fourth lesson before all of them: the 3rd earliest is now lesson 2's day.
    await w.write({ ...emptyTx(NOW), completions: [Float64Array.from([1, 4, at(0), 1, 2, at(7)])] });
    t.deepEqual(await stored(warehouse), [{ id: 1, completed: 4, qualified_at: '2024-03-03T00:00:00.000Z' }]);
  });
}
