// CONTRACTS §4, consistent at every commit: a reader that opens the warehouse read-only while the
// pipeline writes sees, in every snapshot, student_count and qualified_students equal to what the
// students rows of that same snapshot say.
import test from 'ava';
import Database from 'better-sqlite3';
import { Pipeline, caughtUp, startSim, tempDir } from './helpers.ts';
import { waitFor } from '../wait.ts';
import fs from 'node:fs';

const BROKEN = `
SELECT b.id, b.student_count, b.qualified_students,
       (SELECT count(*) FROM students s WHERE s.batch_id = b.id) AS n,
       (SELECT count(*) FROM students s WHERE s.batch_id = b.id AND s.completed >= 3) AS q
FROM batches b
WHERE b.student_count != (SELECT count(*) FROM students s WHERE s.batch_id = b.id)
   OR b.qualified_students != (SELECT count(*) FROM students s WHERE s.batch_id = b.id AND s.completed >= 3)`;

test('every snapshot a read-only reader takes during the stream is consistent', async (t) => {
  const dir = tempDir(t);
  const sim = await startSim(t, dir, {
    seed: 33,
    history: { batches: 40, students: 2_000, testRuns: 100_000 },
    live: { batchesPerSec: 10, studentsPerSec: 200, testRunsPerSec: 20_000 },
    faults: { 'early-students': 0.1, 'early-test-runs': 0.05, 'late-batches': 0.2 },
  });
  const pipeline = new Pipeline(t, sim, dir);
  pipeline.start();
  await waitFor(() => fs.existsSync(pipeline.warehouse), { what: 'the warehouse file', timeoutMs: 30_000 });

  let snapshots = 0;
  let changing = 0;
  let lastTotal = -1;
  const deadline = Date.now() + 8_000;
  while (Date.now() < deadline || snapshots < 50) {
    const db = new Database(pipeline.warehouse, { readonly: true });
    try {
      const snap = db.transaction(() => {
        const tables = db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'batches'").pluck().get() as number;
        if (tables === 0) return null;
        const broken = db.prepare(BROKEN).all();
        const total = db.prepare('SELECT (SELECT coalesce(sum(qualified_students), 0) FROM batches) + (SELECT count(*) FROM students)').pluck().get() as number;
        return { broken, total };
      })();
      if (snap !== null) {
        snapshots++;
        t.deepEqual(snap.broken, [], `snapshot ${snapshots} is consistent`);
        if (snap.total !== lastTotal) changing++;
        lastTotal = snap.total;
      }
    } finally {
      db.close();
    }
    await new Promise((r) => setImmediate(r));
  }
  t.true(changing > 10, `the snapshots saw the warehouse change (${changing} distinct states in ${snapshots})`);
  await caughtUp(t, sim, pipeline);
  t.is((await pipeline.stop('SIGTERM')).code, 0);
});
