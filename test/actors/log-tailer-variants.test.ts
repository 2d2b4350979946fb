// Valid lines written unusually (CONTRACTS §3) all parse: \r\n, another key order, extra keys
// (nested ones named like the real ones, non-ASCII text), JSON white space anywhere; blank lines
// are skipped. With 4 KiB reads, multi-byte characters are cut by read boundaries again and
// again: they must decode whole, and the offsets stay byte positions.
import fs from 'node:fs';
import test from 'ava';
import { LINE_VARIANTS } from '../../src/simulator/index.ts';
import { startSim } from '../simulator/helpers.ts';
import { ledgerPairs, ledgerValidLines, logTimes, missing, startTailer, timeDiffs } from '../fixtures/log-tailer-harness.ts';

test('every line variant parses, across read boundaries that cut characters', async (t) => {
  const sim = await startSim(t, { history: { batches: 5, students: 50, testRuns: 100 } });
  const variants = LINE_VARIANTS.filter((v) => v !== 'blank-line');
  let k = 0;
  for (let i = 0; i < 400; i++) {
    for (const variant of variants) {
      k++;
      // Half pass (a completion), half fail; student and lesson ids vary so every pair is distinct.
      const pass = k % 2 === 0;
      sim.writeTestRun({ student_id: 1 + (k % 97), lesson_id: 1 + (k % 40), passing_count: pass ? 5 : 2, failure_count: pass ? 0 : 3 }, { variant });
    }
    if (i % 10 === 0) sim.writeBlankLine();
  }
  t.true(fs.readFileSync(sim.logPath, 'utf8').includes('Zoë'), 'non-ASCII lines are in the log');

  const run = await startTailer(t, sim.logPath, { maxBatchBytes: 4096 });
  await run.caughtUp(sim.logPath);
  t.deepEqual(run.rejected(), [], 'no valid line rejected');
  t.is(run.runs(), ledgerValidLines(sim.ledger));
  const expected = ledgerPairs(sim.ledger);
  const got = run.pairs();
  t.deepEqual(missing(expected, got), []);
  t.deepEqual(missing(got, expected), []);
  t.deepEqual(timeDiffs(run.times(), logTimes([sim.logPath])), [], 'each pair with its earliest created_at, whatever the line\'s form');
  t.true(run.messages().length > 50, 'many small reads');
  for (const v of [...variants, 'blank-line' as const]) t.true(sim.ledger.variants[v] > 0, `${v} written`);
});
