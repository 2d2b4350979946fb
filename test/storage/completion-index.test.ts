// The writer's in-memory completion set: each (student, lesson) pair once, through growth, with
// negative and very large ids, and per-student counts that match.
import test from 'ava';
import { CompletionIndex } from '../../src/storage/completion-index.ts';

test('pairs are kept once, through many growths, with counts per student', (t) => {
  const index = new CompletionIndex();
  const ref = new Map<string, true>();
  const perStudent = new Map<number, number>();
  let x = 99;
  const rand = (n: number) => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0), x % n);
  const odd = [0, -1, -(2 ** 40), 2 ** 32, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER];
  for (let i = 0; i < 200_000; i++) {
    const s = i % 50 === 0 ? odd[rand(odd.length)]! : rand(3_000);
    const l = i % 70 === 0 ? odd[rand(odd.length)]! : rand(500);
    const key = `${s}/${l}`;
    const added = index.add(s, l);
    t.is(added, !ref.has(key), `${key}`);
    if (added) {
      ref.set(key, true);
      perStudent.set(s, (perStudent.get(s) ?? 0) + 1);
    }
    if (t.passed === false) return;
  }
  t.is(index.size, ref.size);
  for (const [s, n] of perStudent) t.is(index.completedBy(s), n);
  t.true(index.has(2 ** 32, 2 ** 32 + 1) === ref.has(`${2 ** 32}/${2 ** 32 + 1}`));
  t.false(index.has(123_456, 7));
  t.is(index.completedBy(123_456), 0);
});
