// A start on an empty warehouse over a long history is rebuilt on the parallel path (all three
// sources, with their offsets, in one transaction), then streams from there; a warehouse stopped
// for long gets its log backlog the same way. kill -9 before that commit leaves nothing of it;
// right after, all of it; the restarts end exact.
import fs from 'node:fs';
import Database from 'better-sqlite3';
import test from 'ava';
import { Pipeline, caughtUp, startSim, tempDir } from './helpers.ts';
import { waitFor } from '../wait.ts';
import { newWarehouse } from '../backends.ts';

function storedLogOffset(file: string): { pos: number } | null {
  if (!fs.existsSync(file)) return null;
  let db = new Database(file, { readonly: true });
  try {
    db.prepare('SELECT 1 FROM sqlite_master').get();
  } catch (err) {
    // Killed while the pre-flight created the file (still in rollback-journal mode, before WAL): a
    // hot journal only a writer may roll back, as the next start does. What is committed is read then.
    if ((err as { code?: string }).code !== 'SQLITE_READONLY_ROLLBACK') throw err;
    db.close();
    db = new Database(file);
  }
  try {
    const has = db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'offsets'").pluck().get() as number;
    if (has === 0) return null;
    const v = db.prepare("SELECT value FROM offsets WHERE source = 'test_runs'").pluck().get() as string | undefined;
    return v === undefined ? null : (JSON.parse(v) as { pos: number });
  } finally {
    db.close();
  }
}

test('a cold start reads the backlog on the parallel path; kill -9 before and after its commit, restarts: exact', async (t) => {
  const dir = tempDir(t);
  // About 85 MB of log: more than the 64 MiB a start leaves to streaming.
  const sim = await startSim(t, dir, { seed: 17, history: { batches: 40, students: 2_000, testRuns: 600_000 }, faults: { 'bad-lines': 0.001, 'duplicate-lines': 0.01 } });
  const pipeline = new Pipeline(t, sim, dir);

  // Killed once the warehouse exists (the pre-flight made it) and before the backlog is committed.
  pipeline.start();
  await waitFor(() => fs.existsSync(pipeline.warehouse), { what: 'the pre-flight to create the warehouse', timeoutMs: 30_000, intervalMs: 2 });
  await pipeline.kill9();
  if (pipeline.events('log.backlog_read').length === 0) t.is(storedLogOffset(pipeline.warehouse), null, 'killed before the commit: nothing of the backlog stored');
  else t.log('the backlog was committed before the kill landed');

  // Killed right after the backlog's commit, before streaming got far.
  pipeline.start();
  await waitFor(() => pipeline.events('log.backlog_read').length > 0, { what: () => `the backlog read (${pipeline.stderr.slice(-1000)})`, timeoutMs: 60_000, intervalMs: 5 });
  await pipeline.kill9();
  const read = pipeline.events('log.backlog_read').at(-1)!;
  t.true(Number(read['runs']) > 500_000, `the backlog was read on the parallel path: ${JSON.stringify(read)}`);
  t.is(read['rebuilt'], true, 'an empty warehouse is rebuilt');
  const offset = storedLogOffset(pipeline.warehouse);
  t.truthy(offset, 'its offset was committed with it');
  t.is(offset!.pos, fs.statSync(sim.logPath).size, 'up to the end of the log');

  // A restart streams from there (the backlog is read; nothing is left for the parallel path) and ends exact.
  const before = pipeline.events('log.backlog_read').length;
  const supervisors = pipeline.events('supervisor.start').length;
  pipeline.start();
  await caughtUp(t, sim, pipeline, {}, 90_000);
  t.is(pipeline.events('log.backlog_read').length, before, 'the restart did not read the backlog again');
  // (Caught up at once: the killed one had committed everything. Stopped once it streams.)
  await waitFor(() => pipeline.events('supervisor.start').length > supervisors, { what: 'the restart to stream', timeoutMs: 30_000 });
  t.is((await pipeline.stop('SIGTERM')).code, 0);

  // Stopped while the log grew by more than --backlog-bytes (new students too, so that the runs
  // change the counts): the log's backlog alone on the parallel path.
  sim.resume();
  sim.insertStudents(500);
  sim.writeTestRuns(60_000);
  await sim.settled();
  const longStop = new Pipeline(t, sim, dir, ['--backlog-bytes', '1000000']);
  longStop.start();
  await waitFor(() => longStop.events('supervisor.start').length > 0, { what: () => `the restart to stream (${longStop.stderr.slice(-1000)})`, timeoutMs: 60_000 });
  const log = longStop.events('log.backlog_read');
  t.is(log.length, 1, 'the backlog was read on the parallel path');
  t.is(log[0]!['rebuilt'], false, 'the log alone: the warehouse was not empty');
  t.true(Number(log[0]!['runs']) >= 55_000, JSON.stringify(log[0]));
  await caughtUp(t, sim, longStop, {}, 90_000);
  t.is((await longStop.stop('SIGTERM')).code, 0);
});

test('on PostgreSQL too: an empty warehouse is rebuilt from the backlog, a long stop gets its log backlog in one transaction, kill -9 around it: exact', async (t) => {
  const dir = tempDir(t);
  const sim = await startSim(t, dir, { seed: 23, history: { batches: 20, students: 800, testRuns: 80_000 }, faults: { 'bad-lines': 0.001, 'duplicate-lines': 0.01 } });
  const warehouse = await newWarehouse(t, 'postgres', dir);
  // Any backlog at all goes by the parallel path.
  const first = new Pipeline(t, sim, dir, ['--backlog-bytes', '1000'], { warehouse });
  first.start();
  await waitFor(() => first.events('log.backlog_read').length > 0, { what: () => `the backlog read (${first.stderr.slice(-1000)})`, timeoutMs: 60_000, intervalMs: 5 });
  const read = first.events('log.backlog_read')[0]!;
  t.is(read['rebuilt'], true, 'an empty warehouse is rebuilt');
  t.true(Number(read['runs']) >= 80_000, JSON.stringify(read));
  await caughtUp(t, sim, first, {}, 60_000);
  t.is((await first.stop('SIGTERM')).code, 0);

  // Stopped while the log grew: its backlog alone, killed -9 once while on it, then again.
  sim.resume();
  sim.insertStudents(300);
  sim.writeTestRuns(30_000);
  await sim.settled();
  await sim.pause();
  const second = new Pipeline(t, sim, dir, ['--backlog-bytes', '1000'], { warehouse });
  second.start();
  await waitFor(() => second.events('log.backlog_read').length > 0 || second.events('supervisor.start').length > 0, {
    what: () => `the restart to read its backlog (${second.stderr.slice(-1000)})`,
    timeoutMs: 60_000,
    intervalMs: 2,
  });
  await second.kill9();
  second.start();
  await waitFor(() => second.events('supervisor.start').length > 0, { what: () => `the restart to stream (${second.stderr.slice(-1000)})`, timeoutMs: 60_000 });
  const logs = second.events('log.backlog_read');
  t.true(logs.length >= 1, 'the backlog was read on the parallel path');
  t.true(logs.every((l) => l['rebuilt'] === false), 'the log alone: the warehouse was not empty');
  await caughtUp(t, sim, second, {}, 60_000);
  t.is((await second.stop('SIGTERM')).code, 0);
});
