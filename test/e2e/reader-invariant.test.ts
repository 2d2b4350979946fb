// CONTRACTS §4, consistent at every commit: a reader that opens the warehouse while the pipeline
// writes sees, in every snapshot, student_count and qualified_students equal to what the students
// rows of that same snapshot say. On SQLite a read-only connection's transaction; on PostgreSQL a
// REPEATABLE READ transaction, and READ COMMITTED statements too (each statement one snapshot).
import test from 'ava';
import pg from 'pg';
import { Pipeline, caughtUp, startSim, tempDir } from './helpers.ts';
import { BACKENDS, inconsistentBatches, isPg, newWarehouse, snapshot } from '../backends.ts';
import { waitFor } from '../wait.ts';

/** The same check as one statement: at READ COMMITTED, one statement sees one committed state. */
const BROKEN = `
SELECT b.id FROM batches b LEFT JOIN (
  SELECT batch_id, count(*) AS n, sum(CASE WHEN completed >= 3 THEN 1 ELSE 0 END) AS q FROM students GROUP BY batch_id
) s ON s.batch_id = b.id
WHERE b.student_count != coalesce(s.n, 0) OR b.qualified_students != coalesce(s.q, 0)`;

const TOTAL = 'SELECT (SELECT coalesce(sum(qualified_students), 0) FROM batches) + (SELECT count(*) FROM students) AS n';

for (const backend of BACKENDS) {
  test(`[${backend}] every snapshot a reader takes during the stream is consistent`, async (t) => {
    const dir = tempDir(t);
    const sim = await startSim(t, dir, {
      seed: 33,
      history: { batches: 40, students: 2_000, testRuns: 100_000 },
      live: { batchesPerSec: 10, studentsPerSec: 200, testRunsPerSec: 20_000 },
      faults: { 'early-students': 0.1, 'early-test-runs': 0.05, 'late-batches': 0.2 },
    });
    const pipeline = new Pipeline(t, sim, dir, [], { warehouse: await newWarehouse(t, backend, dir) });
    pipeline.start();
    await waitFor(async () => (await snapshot(pipeline.warehouse, async () => true)) === true, { what: 'the warehouse tables', timeoutMs: 30_000 });

    // A PostgreSQL reader at READ COMMITTED, as psql or Metabase connect: one session, a statement a snapshot.
    let committedReader: pg.Client | null = null;
    if (isPg(pipeline.warehouse)) {
      committedReader = new pg.Client({ connectionString: pipeline.warehouse });
      await committedReader.connect();
      t.teardown(() => committedReader?.end());
    }

    let snapshots = 0;
    let changing = 0;
    let lastTotal = -1;
    // At least 8 s and 50 snapshots, and on until they have seen the stream move (a slow machine
    // may spend the first seconds catching up the history in one commit), within a deadline.
    const start = Date.now();
    const enough = () => Date.now() - start >= 8_000 && snapshots >= 50 && changing > 10;
    while (!enough() && Date.now() - start < 90_000) {
      const broken = await inconsistentBatches(pipeline.warehouse);
      t.deepEqual(broken, [], `snapshot ${snapshots + 1} is consistent`);
      const total = await snapshot(pipeline.warehouse, async (q) => Number((await q(TOTAL))[0]!['n']));
      if (committedReader !== null) {
        const r = await committedReader.query(BROKEN);
        t.deepEqual(r.rows, [], `READ COMMITTED statement ${snapshots + 1} is consistent`);
      }
      snapshots++;
      if (total !== lastTotal) changing++;
      lastTotal = total ?? -1;
      await new Promise((r) => setImmediate(r));
    }
    t.true(changing > 10, `the snapshots saw the warehouse change (${changing} distinct states in ${snapshots})`);
    await caughtUp(t, sim, pipeline);
    t.is((await pipeline.stop('SIGTERM')).code, 0);
  });
}
