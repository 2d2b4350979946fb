// A hot restart of each actor mid-stream through the control socket (`batchboard restart ACTOR`):
// the final warehouse is exact. A source's restart leaves the other three on their threads; the
// Aggregator's takes the sources along (rest_for_one: they resume from what it committed).
import test from 'ava';
import { batchboard } from '../cli/helpers.ts';
import { Pipeline, caughtUp, startSim, tempDir } from './helpers.ts';
import { waitFor } from '../wait.ts';
import type { ActorStatus } from '../../src/runtime/index.ts';
import { BACKENDS, newWarehouse } from '../backends.ts';

async function status(warehouse: string): Promise<Map<string, ActorStatus>> {
  const r = await batchboard(['status', '--warehouse', warehouse, '--json']);
  if (r.code !== 0) throw new Error(`status: exit ${r.code}: ${r.stderr}`);
  // A SQLite warehouse's pipeline: its actors; a PostgreSQL warehouse: {pipeline, actors} for each pipeline here (one).
  const json = JSON.parse(r.stdout) as ActorStatus[] | { pipeline: string; actors: ActorStatus[] }[];
  const actors = json.flatMap((x) => ('actors' in x ? x.actors : [x]));
  return new Map(actors.map((a) => [a.name, a]));
}

const ALL = ['Aggregator', 'BatchFetcher', 'StudentWatcher', 'LogTailer'];

for (const backend of BACKENDS) test(`[${backend}] a hot restart of each actor mid-stream: exact warehouse; sources restart alone`, async (t) => {
  const dir = tempDir(t);
  const sim = await startSim(t, dir, {
    seed: 21,
    live: { batchesPerSec: 5, studentsPerSec: 50, testRunsPerSec: 5_000 },
    faults: { 'backfill-students': 0.05, 'late-batches': 0.2, 'bad-lines': 0.005 },
  });
  const pipeline = new Pipeline(t, sim, dir, [], { warehouse: await newWarehouse(t, backend, dir) });
  pipeline.start();
  await waitFor(async () => {
    try {
      const s = await status(pipeline.warehouse);
      return ALL.every((n) => s.get(n)?.state === 'running');
    } catch {
      return false;
    }
  }, { what: 'all four actors running', timeoutMs: 30_000, intervalMs: 100 });

  for (const name of ['LogTailer', 'StudentWatcher', 'BatchFetcher', 'Aggregator']) {
    const before = await status(pipeline.warehouse);
    const r = await batchboard(['restart', name, '--warehouse', pipeline.warehouse]);
    t.is(r.code, 0, `restart ${name}: ${r.stderr}`);
    t.regex(r.stdout, new RegExp(`restarted ${name} in \\d+ ms`));
    const after = await status(pipeline.warehouse);
    t.not(after.get(name)!.threadId, before.get(name)!.threadId, `${name} runs on a new thread`);
    t.is(after.get(name)!.restarts, before.get(name)!.restarts + 1);
    for (const other of ALL.filter((n) => n !== name)) {
      const kept = after.get(other)!.threadId === before.get(other)!.threadId;
      if (name === 'Aggregator' && other !== 'Aggregator') t.false(kept, `${other} restarts after the Aggregator (rest_for_one)`);
      else t.true(kept, `${other} never stopped while ${name} restarted`);
      t.is(after.get(other)!.state, 'running');
    }
    for (const a of after.values()) t.is(a.lastError, null, `${a.name} did not crash`);
  }

  await caughtUp(t, sim, pipeline);
  const { code } = await pipeline.stop('SIGTERM');
  t.is(code, 0);
});
