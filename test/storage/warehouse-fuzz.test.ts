// The writer against the from-scratch computation: random transactions of batches, students and
// completions in every order, some rolled back, some cut off by a "crash" (closed uncommitted,
// opened again, sometimes with another minimum of lessons). After every step each batch's counts
// agree with its students rows and each student's `completed` and `qualified_at` with its
// completions; at the end the batches and students equal what computeWarehouse
// (src/domain/aggregate.ts) makes of what was committed. Completions carry times in any order, so
// that a pair often comes again with an earlier time (stored again, once per such change).
// (Written first in review, as a script.)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { Warehouse } from '../../src/storage/warehouse.ts';
import { computeWarehouse } from '../../src/domain/aggregate.ts';
import type { Batch, Student } from '../../src/domain/records.ts';
import { peek } from './peek.ts';
import { storedPairCount, storedTimes } from './stored-completions.ts';
import { BASE_MS, earliest, qualifiedAtOf } from '../triples.ts';

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
    /** "student:lesson" → earliest ms committed; and how many times a commit added or moved one. */
    const committed = new Map<string, number>();
    let changes = 0;
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
          const triples: number[] = [];
          for (let j = 0; j < rnd(6); j++) triples.push(1 + rnd(60), rnd(6), BASE_MS + rnd(40) * 60_000);
          pend.completions.push(...triples);
          w.applyCompletions(triples, NOW);
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
        // Each completion that is new, or earlier than the one committed, is stored once more.
        for (let i = 0; i < pend.completions.length; i += 3) {
          const k = `${pend.completions[i]}:${pend.completions[i + 1]}`;
          const had = committed.get(k);
          if (had === undefined || pend.completions[i + 2]! < had) {
            committed.set(k, pend.completions[i + 2]!);
            changes++;
          }
        }
        all.completions.push(...pend.completions);
      }
      const broken = peek(w)
        .prepare(
          `SELECT b.id FROM batches b
           WHERE b.student_count != (SELECT count(*) FROM students s WHERE s.batch_id = b.id)
              OR b.qualified_students != (SELECT count(*) FROM students s WHERE s.batch_id = b.id AND s.completed >= ?)`,
        )
        .all(min);
      const lessons = storedTimes(peek(w));
      const wrong = (peek(w).prepare('SELECT id, completed, qualified_at FROM students').all() as { id: number; completed: number; qualified_at: string | null }[]).filter(
        (s) => s.completed !== (lessons.get(s.id)?.size ?? 0) || s.qualified_at !== qualifiedAtOf(lessons.get(s.id)?.values() ?? [], min),
      );
      if (broken.length > 0 || wrong.length > 0) {
        t.fail(`step ${step}: batches ${JSON.stringify(broken)} students ${JSON.stringify(wrong)} inconsistent`);
        break;
      }
    }
    const expected = computeWarehouse({ ...all, minLessons: min });
    t.deepEqual(peek(w).prepare('SELECT id, name, start_date, created_at, student_count, qualified_students FROM batches ORDER BY id').all(), expected.batches);
    t.deepEqual(peek(w).prepare('SELECT id, name, email, batch_id, created_at, completed, qualified_at FROM students ORDER BY id').all(), expected.students);
    const stored = new Map<string, number>();
    for (const [s, lessons] of storedTimes(peek(w))) for (const [l, ms] of lessons) stored.set(`${s}:${l}`, ms);
    const sorted = (m: Map<string, number>) => [...m].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    t.deepEqual(sorted(stored), sorted(earliest(all.completions)), 'each committed pair stored, with its earliest time');
    t.deepEqual(sorted(stored), sorted(committed));
    t.is(storedPairCount(peek(w)), changes, 'a pair stored once, and again only with an earlier time');
    t.true(changes > committed.size, `some pairs came again with an earlier time (${changes} changes, ${committed.size} pairs)`);
    await w.close();
  });
}
