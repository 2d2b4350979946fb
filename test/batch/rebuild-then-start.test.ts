// A rebuilt warehouse is one `batchboard start` continues from: the streaming pipeline resumes at
// the offsets the rebuild stored, reads only what came after, and ends equal to a new rebuild.
import test from 'ava';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { batchboard, collect, waitFor } from '../cli/helpers.ts';
import { hardSim, plain, readContract, sourceFlags, warehousePath } from './helpers.ts';
import { ledgerValidLines } from '../fixtures/log-tailer-harness.ts';
import type { ActorStatus } from '../../src/runtime/index.ts';

const BIN = fileURLToPath(new URL('../../bin/batchboard.mjs', import.meta.url));

test('start continues from a rebuilt warehouse and reaches what verify calls equal', async (t) => {
  const sim = await hardSim(t, { history: { batches: 60, students: 800, testRuns: 10_000 } });
  const warehouse = warehousePath(t);
  const flags = [...sourceFlags(sim), '--warehouse', warehouse];
  const rebuilt = await batchboard(['rebuild', ...flags]);
  t.is(rebuilt.code, 0, rebuilt.stderr);
  const linesAtRebuild = ledgerValidLines(sim.ledger);

  const child = spawn(process.execPath, [BIN, 'start', ...flags], { stdio: ['ignore', 'pipe', 'pipe'] });
  const ran = collect(child);
  t.teardown(() => child.kill('SIGKILL'));
  await waitFor(async () => (await batchboard(['status', '--warehouse', warehouse])).code === 0, 'the supervisor answering', 30_000);

  // New records of every source after the rebuild, among them ones that only count together
  // with what the rebuild stored (runs of stored students, students of stored batches).
  sim.addBatches(2);
  sim.addLateBatch();
  sim.insertStudents(30);
  sim.insertBackfillStudent();
  sim.writeTestRuns(3_000);
  sim.writeBadLine();
  sim.rotate();
  sim.writeTestRuns(500);
  await sim.settled();

  const expected = plain(sim.expected({ truncatedLines: 'lost' }));
  let last = '';
  await waitFor(
    async () => {
      const v = await batchboard(['verify', ...flags]);
      last = v.stdout + v.stderr;
      return v.code === 0;
    },
    'verify to find the streaming warehouse equal to the sources',
    60_000,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\nlast verify:\n${last}`);
  });
  t.deepEqual(await readContract(warehouse), expected);
  // Nothing read twice: the LogTailer read exactly the valid lines written after the rebuild.
  const after = ledgerValidLines(sim.ledger) - linesAtRebuild;
  await waitFor(async () => {
    const s = JSON.parse((await batchboard(['status', '--warehouse', warehouse, '--json'])).stdout) as ActorStatus[];
    return s.find((a) => a.name === 'LogTailer')?.counters['records'] === after;
  }, `the LogTailer to show ${after} runs read, the lines written after the rebuild`, 20_000);

  child.kill('SIGTERM');
  const end = await ran;
  t.is(end.code, 0, end.stderr);
});
