// The same seed gives the same records, whatever the timing; another seed gives others.
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import test from 'ava';
import type { Simulator, SimulatorOptions } from '../../src/simulator/index.ts';
import { pageAll, startSim } from './helpers.ts';

const OPTS: Partial<SimulatorOptions> = {
  history: { batches: 300, students: 2_000, testRuns: 20_000 },
  live: { manual: true, batchesPerSec: 5, studentsPerSec: 50, testRunsPerSec: 2_000 },
  faults: { ...Object.fromEntries(['ties', 'late-batches', 'duplicate-batches', 'invalid-batches', 'backfill-students', 'invalid-students', 'early-students', 'early-test-runs', 'duplicate-lines', 'bad-lines', 'split-lines', 'line-variants'].map((f) => [f, 0.05])), rotate: 3, truncate: 7 },
  tuning: { splitPauseMs: 5, tieSize: 120 },
};

async function records(sim: Simulator) {
  await sim.settled();
  const db = new Database(sim.studentsPath, { readonly: true });
  const students = db.prepare('SELECT id, name, email, batch_id, created_at, typeof(batch_id) AS t FROM students ORDER BY rowid').all();
  db.close();
  const logs = [...sim.rotatedLogs(), sim.logPath].map((f) => readFileSync(f, 'utf8'));
  return { fingerprint: sim.ledger.fingerprint(), students, logs, batches: (await pageAll(sim.apiUrl)).batches };
}

test('the same seed gives the same records, however live time was stepped', async (t) => {
  const a = await startSim(t, { ...OPTS, seed: 42 });
  const b = await startSim(t, { ...OPTS, seed: 42 });
  a.step(10_000);
  for (let i = 0; i < 136; i++) b.step(73);
  b.step(10_000 - 136 * 73);
  for (const sim of [a, b]) {
    sim.addLateBatch();
    sim.insertBackfillStudent();
    sim.writeBadLine();
  }
  const [ra, rb] = [await records(a), await records(b)];
  t.true(a.ledger.counts().truncations >= 1 && a.ledger.counts().rotations >= 3 && a.ledger.counts().badLines > 0);
  t.is(ra.fingerprint, rb.fingerprint);
  t.deepEqual(ra.students, rb.students);
  t.deepEqual(ra.logs, rb.logs);
  t.deepEqual(ra.batches, rb.batches);
});

test('another seed gives other records', async (t) => {
  const a = await startSim(t, { history: { batches: 10, students: 100, testRuns: 1_000 }, seed: 1 });
  const b = await startSim(t, { history: { batches: 10, students: 100, testRuns: 1_000 }, seed: 2 });
  t.not(a.ledger.fingerprint(), b.ledger.fingerprint());
  t.not(readFileSync(a.logPath, 'utf8'), readFileSync(b.logPath, 'utf8'));
});
