// Bad lines of every kind (CONTRACTS §3: not JSON, a field missing, a wrong type, a negative count,
// over 64 KiB) are rejected, each once, with its text, and never stop the tailer: the valid lines
// around them all arrive.
import test from 'ava';
import { BAD_LINE_KINDS, type BadLineKind } from '../../src/simulator/index.ts';
import { MAX_RAW_CHARS } from '../../src/domain/records.ts';
import { startSim } from '../simulator/helpers.ts';
import { statusOf } from '../runtime/helpers.ts';
import { ledgerPairs, ledgerValidLines, missing, startTailer } from '../fixtures/log-tailer-harness.ts';

const REASON: Record<BadLineKind, RegExp> = {
  'not-json': /^not JSON$/,
  'missing-field': /^field '\w+' missing$/,
  'wrong-type': /^\w+ is not /,
  'negative-count': /^negative count$/,
  'too-long': /^line over 65536 bytes$/,
};

test('bad lines of every kind are rejected, counted once, and reading goes on', async (t) => {
  const sim = await startSim(t, { history: { batches: 5, students: 100, testRuns: 300 } });
  const run = await startTailer(t, sim.logPath);
  // Some before the tailer has caught up, some after.
  for (let round = 0; round < 6; round++) {
    for (const kind of BAD_LINE_KINDS) {
      sim.writeBadLine(kind);
      sim.writeTestRuns(20);
    }
    if (round === 2) await run.caughtUp(sim.logPath);
  }
  await run.caughtUp(sim.logPath);

  const bad = sim.ledger.badLines;
  const rejected = run.rejected();
  t.is(rejected.length, bad.length, 'one rejection per bad line');
  t.is(new Set(rejected.map((r) => r.key)).size, rejected.length, 'distinct keys');
  for (const [i, r] of rejected.entries()) {
    const b = bad[i]!;
    t.is(r.source, 'test_runs');
    t.regex(r.reason, REASON[b.kind], `line ${b.line} (${b.kind})`);
    t.is(r.raw.slice(0, 200), b.text, 'raw is the line as written');
    // The simulator's long lines are ASCII: characters = bytes without the \n.
    if (b.kind === 'too-long') t.is(r.raw.slice(MAX_RAW_CHARS), `…(${b.bytes - 1} chars)`, 'cut to its first 4096 characters');
  }
  t.is(run.runs(), ledgerValidLines(sim.ledger), 'valid lines around them all counted');
  t.deepEqual(missing(ledgerPairs(sim.ledger), run.pairs()), []);
  t.deepEqual(missing(run.pairs(), ledgerPairs(sim.ledger)), [], 'a bad line that looks like a pass is not one');
  t.is(statusOf(run.sup, 'LogTailer').restarts, 0, 'never stopped');
});
