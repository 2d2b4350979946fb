// CONTRACTS §4 end to end: `batchboard start` reads the log, the log is truncated after that and
// written again; the warehouse keeps counting what it had read (it equals the ledger with the
// truncated lines read), a recomputation cannot see those lines, and `verify` says that the
// warehouse holds that history and that the differences may come from there.
import { statSync } from 'node:fs';
import test from 'ava';
import { batchboard } from '../cli/helpers.ts';
import { Pipeline, caughtUp, startSim, tempDir } from '../e2e/helpers.ts';
import { readWarehouse } from '../../src/storage/reader.ts';
import { waitFor } from '../wait.ts';

test('after a truncation of a log the pipeline had read, verify names the history the log no longer has', async (t) => {
  const dir = tempDir(t);
  const sim = await startSim(t, dir, { seed: 9, history: { batches: 12, students: 300, testRuns: 6_000 } });
  const pipeline = new Pipeline(t, sim, dir);
  pipeline.start();
  await caughtUp(t, sim, pipeline);

  // Everything read and committed: the whole file is what the truncation takes away.
  const read = statSync(sim.logPath).size;
  sim.truncate();
  sim.writeTestRuns(200);
  await caughtUp(t, sim, pipeline); // truncated lines counted: the ledger's default, 'read'
  await waitFor(async () => (await readWarehouse(pipeline.warehouse, (r) => r.lostHistory())).length > 0, {
    what: () => `the truncation stored as lost history; stderr:\n${pipeline.stderr.slice(-3000)}`,
    timeoutMs: 20_000,
    intervalMs: 50,
  });
  const history = await readWarehouse(pipeline.warehouse, (r) => r.lostHistory());
  t.is(history.length, 1);
  t.like(history[0], { reason: 'truncated', file: 'test_runs.log', pos: read });

  const { code } = await pipeline.stop('SIGTERM');
  t.is(code, 0);
  const v = await batchboard(['verify', '--api', sim.apiUrl, '--students', sim.studentsPath, '--log', sim.logPath, '--warehouse', pipeline.warehouse]);
  t.log(v.stdout);
  t.is(v.code, 1, v.stdout + v.stderr);
  const bytes = read.toLocaleString('en-US');
  t.regex(v.stdout, new RegExp(`^the warehouse holds ${bytes} bytes of log lines that the log no longer has: `, 'm'));
  t.regex(v.stdout, new RegExp(`^ {2}- ${bytes} bytes of test_runs\\.log read before a truncation seen at ${history[0]!.seen_at.replace(/\./g, '\\.')}$`, 'm'));
  t.regex(v.stdout, /^the differences below may come from there: each is of the kind those lines make /m);
  t.regex(v.stdout, /^ {2}[\d,]+ students? differs? \(expected: recomputed from the sources; found: in the warehouse\):$/m, 'the differences are still shown');
});
