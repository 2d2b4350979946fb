// CONTRACTS §5: `batchboard start` runs until SIGINT or SIGTERM, then commits what it has and exits
// 0 within 5 s. Mid-stream (~5000 test runs/s), each signal stops every actor cleanly (the JSON log
// on stderr says so), the warehouse left behind is consistent (§4), and a restart catches up to
// exactly the ledger. A second `start` on a warehouse that is being written is refused.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import test, { type ExecutionContext } from 'ava';
import Database from 'better-sqlite3';
import { batchboard, collect } from '../cli/helpers.ts';
import { waitFor } from '../wait.ts';
import { BIN, Pipeline, ROOT, caughtUp, inconsistentBatches, readRows, startSim, tempDir } from './helpers.ts';
import type { ActorStatus } from '../../src/runtime/index.ts';

const ACTORS = ['Aggregator', 'BatchFetcher', 'StudentWatcher', 'LogTailer'];
const LIVE = { batchesPerSec: 2, studentsPerSec: 30, testRunsPerSec: 5_000 };

async function allRunning(warehouse: string): Promise<boolean> {
  const r = await batchboard(['status', '--warehouse', warehouse, '--json']);
  if (r.code !== 0) return false;
  const s = JSON.parse(r.stdout) as ActorStatus[];
  return ACTORS.every((n) => s.find((a) => a.name === n)?.state === 'running');
}

/** Test runs committed so far (the Aggregator's completions are what the stream adds). */
function completions(file: string): number {
  if (!fs.existsSync(file)) return 0;
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT (SELECT count(*) FROM completions) + (SELECT coalesce(sum(length(lessons)), 0) / 8 FROM completion_lists)').pluck().get() as number;
  } catch {
    return 0;
  } finally {
    db.close();
  }
}

async function streaming(t: ExecutionContext, pipeline: Pipeline): Promise<void> {
  await waitFor(() => allRunning(pipeline.warehouse), { what: () => `all four actors running\n${pipeline.stderr.slice(-2000)}`, timeoutMs: 30_000, intervalMs: 200 });
  // Past the history and into the live stream: committed completions still grow.
  const seen = completions(pipeline.warehouse);
  await waitFor(() => completions(pipeline.warehouse) > seen, { what: 'completions committed from the live stream', timeoutMs: 30_000, intervalMs: 100 });
  t.pass('streaming');
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test.serial(`${signal} mid-stream: exit 0 within 5 s, every actor stopped, a consistent warehouse, then an exact restart`, async (t) => {
    const dir = tempDir(t);
    const sim = await startSim(t, dir, { seed: signal === 'SIGTERM' ? 31 : 32, live: LIVE, faults: { 'late-batches': 0.2, 'backfill-students': 0.05 } });
    const pipeline = new Pipeline(t, sim, dir);
    pipeline.start();
    await streaming(t, pipeline);

    const { code, ms } = await pipeline.stop(signal);
    t.is(code, 0, pipeline.stderr.slice(-3000));
    t.true(ms < 5_000, `${signal} to exit took ${ms} ms (the contract: within 5 s)`);
    t.log(`${signal} to exit: ${ms} ms`);

    const stopped = pipeline.events('actor.stopped');
    for (const name of ACTORS) {
      const e = stopped.filter((x) => x['actor'] === name);
      t.is(e.length, 1, `${name} stopped once`);
      t.is(e[0]?.['timedOut'], undefined, `${name} stopped within its shutdown timeout`);
      t.is(e[0]?.['error'], undefined, `${name} stopped without an error`);
    }
    t.deepEqual(pipeline.events('supervisor.stopped').map((e) => e['code']), [0]);
    t.deepEqual(pipeline.events('actor.crash'), [], 'no actor crashed on the way down');
    t.false(fs.existsSync(`${pipeline.warehouse}.sock`), 'the control socket is gone');

    const rows = (await readRows(pipeline.warehouse))!;
    t.true(rows.batches.length > 0 && rows.students.length > 0, 'the warehouse holds what was committed');
    t.deepEqual(await inconsistentBatches(pipeline.warehouse), [], 'every batch agrees with its students (CONTRACTS §4)');

    // The sources went on while it was down; the restart resumes from the warehouse alone.
    pipeline.start();
    await caughtUp(t, sim, pipeline);
    t.is((await pipeline.stop(signal)).code, 0);
  });
}

test.serial('a second start on a warehouse being written is refused with one line, exit 2, and changes nothing', async (t) => {
  const dir = tempDir(t);
  const sim = await startSim(t, dir, { seed: 33, live: LIVE });
  const pipeline = new Pipeline(t, sim, dir);
  pipeline.start();
  await streaming(t, pipeline);

  const second = async (extra: string[]): Promise<void> => {
    const r = await collect(spawn(process.execPath, [BIN, ...pipeline.args, ...extra], { cwd: ROOT }));
    t.is(r.code, 2, `exit code; stderr: ${r.stderr}`);
    const lines = r.stderr.trimEnd().split('\n');
    t.is(lines.length, 1, `one line: ${r.stderr}`);
    t.regex(lines[0]!, /already running/, lines[0]!);
    t.true(lines[0]!.includes(pipeline.warehouse), `the line names the warehouse: ${lines[0]}`);
  };
  await second([]);
  // Another minimum would have the warehouse recounted under the running Aggregator's feet.
  await second(['--min-lessons', '1']);
  t.deepEqual(await inconsistentBatches(pipeline.warehouse, 3), [], 'readers still see qualified_students counted by the running minimum, 3');

  t.true(await allRunning(pipeline.warehouse), 'the first supervisor runs on');
  const db = new Database(pipeline.warehouse, { readonly: true });
  try {
    t.is(db.prepare("SELECT value FROM meta WHERE key = 'min_lessons'").pluck().get(), '3', 'the stored minimum is still the running one');
  } finally {
    db.close();
  }
  await caughtUp(t, sim, pipeline);
  t.deepEqual(await inconsistentBatches(pipeline.warehouse, 3), []);
  t.is((await pipeline.stop('SIGTERM')).code, 0);
});
