// CONTRACTS §3: rotation renames the log to PATH.1 and creates a new PATH.
import { existsSync, readFileSync } from 'node:fs';
import test from 'ava';
import { startSim } from './helpers.ts';

test('after rotation the old lines are in PATH.1 and new lines in PATH', async (t) => {
  const sim = await startSim(t);
  const old = readFileSync(sim.logPath, 'utf8');
  t.is(old.split('\n').length - 1, 2_000);

  sim.rotate();
  t.is(readFileSync(`${sim.logPath}.1`, 'utf8'), old);
  t.is(readFileSync(sim.logPath, 'utf8'), '', 'a new, empty PATH');

  const fresh = sim.writeTestRuns(5);
  const now = readFileSync(sim.logPath, 'utf8').split('\n').slice(0, -1).map((l) => (JSON.parse(l) as { id: string }).id);
  t.deepEqual(now, fresh.map((r) => r.id));

  sim.rotate();
  t.is(readFileSync(`${sim.logPath}.2`, 'utf8'), old, 'older files shift up');
  t.deepEqual(readFileSync(`${sim.logPath}.1`, 'utf8').split('\n').slice(0, -1).map((l) => (JSON.parse(l) as { id: string }).id), now);
  t.false(existsSync(`${sim.logPath}.3`));
  t.deepEqual(sim.ledger.rotations, [{ line: 2_000, run: 2_000 }, { line: 2_005, run: 2_005 }]);
});

test('with the rotate fault, live rotation happens every N seconds and no line is lost', async (t) => {
  const sim = await startSim(t, { live: { manual: true, batchesPerSec: 0, studentsPerSec: 1, testRunsPerSec: 100 }, faults: { rotate: 2 } });
  sim.step(7_000);
  t.is(sim.rotatedLogs().length, 3);
  const ids = [...sim.rotatedLogs().reverse(), sim.logPath].flatMap((f) =>
    readFileSync(f, 'utf8').split('\n').slice(0, -1).map((l) => (JSON.parse(l) as { id: string }).id),
  );
  t.is(ids.length, 2_000 + 700);
  t.is(new Set(ids).size, ids.length);
});
