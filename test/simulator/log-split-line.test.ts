// CONTRACTS §3: the last line may be incomplete; a line written in two parts is one line.
import { readFileSync } from 'node:fs';
import test from 'ava';
import { logLines, startSim } from './helpers.ts';

test('a line written in two parts is one line, and nothing is written in between', async (t) => {
  const sim = await startSim(t);
  const before = readFileSync(sim.logPath, 'utf8');
  const split = sim.writeSplitLine({ pauseMs: 300 });
  const after = sim.writeTestRuns(3);

  const during = readFileSync(sim.logPath, 'utf8');
  t.is(during, before + split.first, 'only the first part is there, without its newline');
  t.false(split.first.includes('\n'));
  t.true(split.second.endsWith('\n'));

  await sim.settled();
  const lines = logLines(sim);
  const tail = lines.slice(-4).map((l) => JSON.parse(l) as { id: string });
  t.deepEqual(tail.map((r) => r.id), [split.run.id, ...after.map((r) => r.id)]);
  t.is(lines.filter((l) => l.includes(`"${split.run.id}"`)).length, 1);
  t.is(sim.ledger.splitLines, 1);
});

test('with the split-lines fault, live lines are split and still whole once settled', async (t) => {
  const sim = await startSim(t, {
    live: { manual: true, batchesPerSec: 0, studentsPerSec: 0, testRunsPerSec: 1_000 },
    faults: { 'split-lines': 0.05 },
    tuning: { splitPauseMs: 20 },
  });
  sim.step(1_000);
  await sim.settled();
  t.true(sim.ledger.splitLines > 10);
  const lines = logLines(sim);
  t.is(lines.length, sim.ledger.lines);
  for (const l of lines) JSON.parse(l);
  t.pass();
});
