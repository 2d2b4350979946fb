// Exactly once across crashes (CONTRACTS §4): `kill -9` of the whole process at twelve different
// moments — before the supervisor is up, while actors start, during the history load, in the live
// stream, right after a rotation — each followed by a restart. The final warehouse is exact:
// nothing lost, nothing counted twice.
import fs from 'node:fs';
import test from 'ava';
import { Pipeline, caughtUp, startSim, tempDir } from './helpers.ts';
import { BACKENDS, committed as progress, newWarehouse } from '../backends.ts';
import { waitFor } from '../wait.ts';

for (const backend of BACKENDS) test(`[${backend}] kill -9 at twelve moments, each followed by a restart: the warehouse is exact`, async (t) => {
  const dir = tempDir(t);
  const sim = await startSim(t, dir, {
    seed: 9,
    history: { batches: 60, students: 3_000, testRuns: 300_000 },
    live: { batchesPerSec: 5, studentsPerSec: 50, testRunsPerSec: 5_000 },
    faults: { 'duplicate-lines': 0.01, 'bad-lines': 0.005, 'backfill-students': 0.05, 'late-batches': 0.2, 'split-lines': 0.002 },
    tuning: { splitPauseMs: 20 },
  });
  const pipeline = new Pipeline(t, sim, dir, [], { warehouse: await newWarehouse(t, backend, dir) });
  const moments: { name: string; until: () => boolean | Promise<boolean> }[] = [
    { name: 'right after spawn', until: () => true },
    { name: 'once the control socket exists (actors starting)', until: () => fs.existsSync(pipeline.socket) },
    { name: 'during the history load', until: async () => (await progress(pipeline.warehouse)) > 1_000 },
    { name: 'further into the history', until: async () => (await progress(pipeline.warehouse)) > 20_000 },
  ];
  let mark = 0;
  for (const step of [200, 50, 500, 10, 1_000, 100]) {
    moments.push({
      name: `${step} records into the live stream`,
      until: async () => {
        const p = await progress(pipeline.warehouse);
        if (mark === 0) mark = p;
        return p >= mark + step;
      },
    });
  }
  moments.push({ name: 'right after a rotation', until: () => (sim.rotate(), true) });
  moments.push({ name: 'after a burst of back-filled students', until: () => (sim.insertBackfillStudent(), sim.insertBackfillStudent(), true) });

  for (const m of moments) {
    pipeline.start();
    mark = 0;
    await waitFor(m.until, { what: `the moment '${m.name}'`, timeoutMs: 60_000, intervalMs: 5 });
    await pipeline.kill9();
    const p = await progress(pipeline.warehouse);
    t.log(`killed ${m.name}: ${p} records committed`);
    if (process.env.BB_DEBUG) console.error(`killed ${m.name}: ${p} at ${new Date().toISOString()}`);
  }
  t.true(moments.length >= 10);

  pipeline.start();
  await caughtUp(t, sim, pipeline, {}, 90_000);
  const { code } = await pipeline.stop('SIGINT');
  t.is(code, 0);
});
