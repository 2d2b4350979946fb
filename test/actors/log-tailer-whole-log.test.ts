// `readWholeLog` (what `rebuild` reads) and the streaming LogTailer agree on the same files: the
// same completion pairs with the same earliest times, the same count of runs, the same rejected lines under the same keys, and
// the same offset at the end of PATH. Over rotated files, every kind of bad line, line variants,
// repeated lines, a rotated file ending in an incomplete line and a partial last line in PATH.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { BAD_LINE_KINDS } from '../../src/simulator/index.ts';
import { readWholeLog } from '../../src/sources/log/whole.ts';
import { SourceError } from '../../src/sources/errors.ts';
import { startSim } from '../simulator/helpers.ts';
import { tempDir } from '../runtime/helpers.ts';
import { waitFor } from '../wait.ts';
import { ledgerPairs, missing, startTailer, timeDiffs } from '../fixtures/log-tailer-harness.ts';
import { earliest, pairKeys } from '../triples.ts';

const pairSet = (a: Float64Array): Set<string> => pairKeys(a);

test('readWholeLog equals what the tailer streamed from the same files', async (t) => {
  const sim = await startSim(t, { faults: { 'line-variants': 0.05, 'duplicate-lines': 0.02, 'bad-lines': 0.005 } });
  for (const kind of BAD_LINE_KINDS) sim.writeBadLine(kind);
  sim.rotate();
  sim.writeTestRuns(500);
  // A writer that died mid-line, then a rotation: PATH.1 ends without its \n.
  fs.appendFileSync(sim.logPath, '{"id": "tr-cut", "student_id": 1, "less');
  sim.rotate();
  sim.writeTestRuns(500);
  for (const kind of BAD_LINE_KINDS) sim.writeBadLine(kind);
  const split = sim.writeSplitLine({ pauseMs: 60_000 }).run; // PATH ends in a partial line

  const whole = await readWholeLog(sim.logPath);
  const run = await startTailer(t, sim.logPath);
  await waitFor(() => JSON.stringify(run.offset()) === JSON.stringify(whole.offset), {
    what: () => `the tailer to reach ${JSON.stringify(whole.offset)} (${run.describe()})`,
    timeoutMs: 30_000,
  });
  const streamed = await readWholeLog(sim.logPath); // the same again: nothing depends on timing

  t.deepEqual([...pairSet(whole.completions)].sort(), [...run.pairs()].sort());
  t.deepEqual(timeDiffs(earliest(whole.completions), run.times()), [], 'the same earliest time for every pair');
  // The ledger's, but for the run whose line is not complete yet.
  const fromWhole = pairSet(whole.completions);
  t.deepEqual(missing(fromWhole, ledgerPairs(sim.ledger)), []);
  for (const p of missing(ledgerPairs(sim.ledger), fromWhole)) t.is(p, `${split.student_id}:${split.lesson_id}`);
  t.is(whole.completions.length / 3, pairSet(whole.completions).size, 'each pair once');
  t.is(whole.runs, run.runs());
  const byKey = (rs: { key: string; reason: string; raw: string }[]) => rs.map((r) => `${r.key} ${r.reason} ${r.raw}`).sort();
  t.deepEqual(byKey(whole.rejected), byKey(run.rejected()));
  t.is(whole.rejected.length, sim.ledger.badLines.length + 1, 'every bad line, and the incomplete one of PATH.1');
  t.true(whole.rejected.some((r) => r.raw.startsWith('{"id": "tr-cut"') && /incomplete/.test(r.reason)));
  t.deepEqual(whole.offset, run.offset());
  t.deepEqual(streamed, whole);
  t.true(whole.offset!.pos < fs.statSync(sim.logPath).size, 'the partial last line is not consumed');
});

test('readWholeLog: a missing log is a SourceError naming it; rotated files alone are read', async (t) => {
  const dir = tempDir(t, 'bb-lt-');
  const log = path.join(dir, 'test_runs.log');
  const err = await t.throwsAsync(readWholeLog(log), { instanceOf: SourceError });
  t.true(err!.message.includes(log), err!.message);

  fs.writeFileSync(`${log}.1`, '{"id": "tr-1", "student_id": 3, "lesson_id": 4, "passing_count": 1, "failure_count": 0, "created_at": "2024-06-01T00:00:00.000Z"}\n');
  const whole = await readWholeLog(log);
  t.deepEqual(Array.from(whole.completions), [3, 4, Date.parse('2024-06-01T00:00:00.000Z')]);
  t.is(whole.runs, 1);
  t.is(whole.offset, null, 'no PATH: no offset');
});
