// Streaming a long backlog (the parallel path switched off), the warehouse's WAL stays within
// 64 MiB and one commit: the writer restarts it itself once the checkpointer has copied most of
// it (before, a 3,000,000-run catch-up grew it to 1.2 GB). A reader holding a transaction open
// pins the WAL meanwhile; that case is README's, not this test's.
import fs from 'node:fs';
import test from 'ava';
import { Pipeline, caughtUp, startSim, tempDir } from './helpers.ts';

test('a streaming catch-up keeps the WAL within 64 MiB and a commit', async (t) => {
  const dir = tempDir(t);
  const sim = await startSim(t, dir, { seed: 23, history: { batches: 100, students: 50_000, testRuns: 2_000_000 } });
  const pipeline = new Pipeline(t, sim, dir, ['--backlog-bytes', String(2 ** 40)]);
  const wal = `${pipeline.warehouse}-wal`;
  let largest = 0;
  const timer = setInterval(() => {
    try {
      largest = Math.max(largest, fs.statSync(wal).size);
    } catch {
      // not there yet, or between a checkpoint's truncation and the next write
    }
  }, 10);
  t.teardown(() => clearInterval(timer));
  pipeline.start();
  await caughtUp(t, sim, pipeline, {}, 120_000);
  clearInterval(timer);
  t.is(pipeline.events('log.backlog_read').length, 0, 'streamed, not read on the parallel path');
  t.log(`largest WAL: ${(largest / 2 ** 20).toFixed(1)} MiB`);
  // One commit of the writer under load is a few MiB at most (bench/freshness.ts: 4 ms of records).
  t.true(largest <= 64 * 2 ** 20 + 16 * 2 ** 20, `the WAL reached ${(largest / 2 ** 20).toFixed(1)} MiB`);
  t.is((await pipeline.stop('SIGTERM')).code, 0);
});
