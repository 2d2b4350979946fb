// Many requests at once over one PostgreSQL reader (a single connection): each batch's answer is
// still one committed state, while commits keep changing the batch. Its number and its students agree
// in every answer, and every answer is whole.
import test from 'ava';
import { emptyTx } from '../../src/storage/writer.ts';
import { completing, seeded, serve } from './helpers.ts';
import { get } from './http.ts';

test('[postgres] concurrent batch pages each read one committed state', async (t) => {
  const { warehouse, w } = await seeded(t, 'postgres');
  const { url } = await serve(t, ['--warehouse', warehouse, '--http', '127.0.0.1:0']);
  // Batch 3 gains a student a commit, each qualified in the same commit.
  let writing = true;
  const writer = (async () => {
    for (let id = 100; writing && id < 400; id++) {
      await w.write({ ...emptyTx('2024-03-09T00:00:00.000Z'), students: [{ id, name: `n${id}`, email: null, batch_id: 3, created_at: '2024-03-09T00:00:00.000Z' }], completions: [completing([id, 1, '2024-03-09T00:00:00.000Z'], [id, 2, '2024-03-09T00:00:00.000Z'], [id, 3, '2024-03-09T00:00:00.000Z'])] });
    }
  })();
  const bad: string[] = [];
  for (let round = 0; round < 15; round++) {
    const answers = await Promise.all([...Array(12)].map((_, i) => get(`${url}batch/${[3, 1, 2][i % 3]}.json`)));
    for (const a of answers) {
      if (a.status !== 200) {
        bad.push(`${a.status} ${a.body}`);
        continue;
      }
      const d = JSON.parse(a.body);
      const qualified = d.students.filter((s: { completed: number }) => s.completed >= d.minLessons).length;
      if (d.batch.student_count !== d.students.length || d.batch.qualified_students !== qualified) bad.push(`batch ${d.id}: row ${d.batch.student_count}/${d.batch.qualified_students}, students ${d.students.length}/${qualified}`);
    }
  }
  writing = false;
  await writer;
  t.deepEqual(bad.slice(0, 5), []);
});
