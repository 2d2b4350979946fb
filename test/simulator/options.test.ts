// startSimulator checks its options up front and fails with errors that name the field.
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { startSimulator, SimulatorError } from '../../src/simulator/index.ts';
import { startSim, tempDir } from './helpers.ts';

test('bad options are refused with a named reason', async (t) => {
  const dir = tempDir(t);
  const cases: [object, string][] = [
    [{ dir: '' }, 'dir must be a non-empty path, got ""'],
    [{ dir, port: 70_000 }, 'port must be between 0 and 65535, got 70000'],
    [{ dir, seed: 1.5 }, 'seed must be an integer, got 1.5'],
    [{ dir, live: { testRunsPerSec: -1 } }, 'live.testRunsPerSec must be between 0 and 100000, got -1'],
    [{ dir, faults: { nope: 0.1 } }, "unknown fault 'nope'; faults: ties, late-batches, duplicate-batches, invalid-batches, http-429, http-5xx, slow, not-json, wrong-shape, resets, backfill-students, invalid-students, early-students, early-test-runs, duplicate-lines, bad-lines, split-lines, line-variants, rotate, truncate, all"],
    [{ dir, faults: { rotate: -1 } }, 'faults.rotate (seconds between, 0 = off) must be between 0 and 86400, got -1'],
    [{ dir, token: 'has space' }, 'token must be a non-empty string without white space, got "<hidden>"'],
  ];
  for (const [opts, message] of cases) {
    const err = await t.throwsAsync(startSimulator(opts as never), { instanceOf: SimulatorError });
    t.is(err?.message, message);
  }
});

test('a port in use is a clear error, and nothing is left open', async (t) => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  t.teardown(() => blocker.close());
  const port = (blocker.address() as { port: number }).port;
  await t.throwsAsync(startSimulator({ dir: tempDir(t), port }), { message: `cannot listen on 127.0.0.1:${port}: address already in use; pick another --port or 0` });
});

test('reset removes the files of an earlier run', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'test_runs.log.1'), 'old\n');
  await t.throwsAsync(startSimulator({ dir, history: { batches: 1, students: 1, testRuns: 1 }, live: false }), { message: /test_runs\.log\.1 already exists/ });
  const sim = await startSim(t, { dir, reset: true });
  t.deepEqual(sim.rotatedLogs(), []);
});
