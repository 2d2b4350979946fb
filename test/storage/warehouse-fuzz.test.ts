// The writer against the from-scratch computation: random transactions of batches, students and
// completions in every order, some rolled back, some cut off by a "crash" (closed uncommitted,
// opened again, sometimes with another minimum of lessons). After every step each batch's counts
// agree with its students rows and each student's `completed` with its completions; at the end the
// batches equal what computeWarehouse (src/domain/aggregate.ts) makes of what was committed.
// (Written first in review, as a script.)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { Warehouse } from '../../src/storage/warehouse.ts';
import { computeWarehouse } from '../../src/domain/aggregate.ts';
import type { Batch, Student } from '../../src/domain/records.ts';
import { peek } from './peek.ts';
import { storedCompletions, storedPairCount } from './stored-completions.ts';

const NOW = '2024-01-01T00:00:00.000Z';

for (const seed0 of [1, 2, 3, 4, 5]) {
  test(`seed ${seed0}: consistent after every step, equal to the batch answer at the end`, async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bb-fuzz-'));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'peek(w)');
    let seed = seed0;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    let min = 3;
    let w = Warehouse.open(file, { minLessons: min, sources: 'x' });
    const all = { batches: [] as Batch[], students: [] as Student[], completions: [] as number[] };
    for (let step = 0; step < 400; step++) {
      w.begin();
      const pend = { batches: [] as Batch[], students: [] as Student[], completions: [] as number[] };
      for (let k = 0; k < 1 + rnd(4); k++) {
        const kind = rnd(3);
        if (kind === 0) {
          const b = { id: 1 + rnd(8), name: `b${rnd(3)}`, start_date: null, created_at: NOW };
          pend.batches.push(b);
          w.applyBatches([b], NOW);
        } else if (kind === 1) {
          const id = 1 + rnd(60);
          const s = { id, name: 's', email: null, batch_id: 1 + (id % 9), created_at: NOW };
          pend.students.push(s);
          w.applyStudents([s], NOW);
        } else {
          const pairs: number[] = [];
          for (let j = 0; j < rnd(6); j++) pairs.push(1 + rnd(60), rnd(6));
          pend.completions.push(...pairs);
          w.applyCompletions(pairs, NOW);
        }
      }
      const r = rnd(10);
      if (r === 0) w.rollback();
      else if (r === 1) {
        await w.close();
        if (rnd(2)) min = 2 + rnd(3);
        w = Warehouse.open(file, { minLessons: min, sources: 'x' });
      } else {
        w.commit();
        all.batches.push(...pend.batches);
        all.students.push(...pend.students);
        all.completions.push(...pend.completions);
      }
      const broken = peek(w)
        .prepare(
          `SELECT b.id FROM batches b
           WHERE b.student_count != (SELECT count(*) FROM students s WHERE s.batch_id = b.id)
              OR b.qualified_students != (SELECT count(*) FROM students s WHERE s.batch_id = b.id AND s.completed >= ?)`,
        )
        .all(min);
      const lessons = storedCompletions(peek(w));
      const wrong = (peek(w).prepare('SELECT id, completed FROM students').all() as { id: number; completed: number }[]).filter(
        (s) => s.completed !== new Set(lessons.get(s.id) ?? []).size,
      );
      if (broken.length > 0 || wrong.length > 0) {
        t.fail(`step ${step}: batches ${JSON.stringify(broken)} students ${JSON.stringify(wrong)} inconsistent`);
        break;
      }
    }
    const expected = computeWarehouse({ ...all, minLessons: min });
    t.deepEqual(peek(w).prepare('SELECT id, name, start_date, created_at, student_count, qualified_students FROM batches ORDER BY id').all(), expected.batches);
    t.is(storedPairCount(peek(w)), new Set(Array.from({ length: all.completions.length / 2 }, (_, i) => `${all.completions[2 * i]}/${all.completions[2 * i + 1]}`)).size, 'each pair stored once');
    await w.close();
  });
}
