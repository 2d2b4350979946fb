// A start with a stored offset in a log that changed while batchboard was down: the file read
// last was rotated (it is PATH.1 now) and has lines not read yet; it is finished from the stored
// position, then PATH is read. And when that file was truncated and written again meanwhile, it
// is read from its start.
import fs from 'node:fs';
import test from 'ava';
import { startSim } from '../simulator/helpers.ts';
import { tempDir } from '../runtime/helpers.ts';
import { ledgerPairs, ledgerValidLines, missing, startTailer } from '../fixtures/log-tailer-harness.ts';

test('the file read last, rotated while stopped, is finished from the stored offset, then PATH', async (t) => {
  const sim = await startSim(t, { history: { batches: 5, students: 100, testRuns: 1000 } });
  const dir = tempDir(t, 'bb-lt-');
  const first = await startTailer(t, sim.logPath, { dir });
  await first.caughtUp(sim.logPath);
  const stored = first.offset()!;
  const runsFirst = first.runs();
  await first.sup.shutdown();

  // While down: more lines in the file read last, a rotation, lines in the new PATH.
  sim.writeTestRuns(300);
  sim.rotate();
  sim.writeTestRuns(200);
  t.is(fs.statSync(sim.rotatedLogs()[0]!).ino, stored.ino, 'the file read last is PATH.1 now');

  const second = await startTailer(t, sim.logPath, { dir });
  await second.caughtUp(sim.logPath);
  const fresh = second.messages().filter((m) => m.session !== second.messages()[0]!.session);
  t.is(fresh.reduce((n, m) => n + (m.runs ?? 0), 0), 500, 'only the 500 lines written while down are read');
  t.is((await second.logged('log.file', 2)).map((e) => `${e.fields.file}@${e.fields.pos}`).join(' '), `test_runs.log.1@${stored.pos} test_runs.log@0`);
  t.is(runsFirst + 500, ledgerValidLines(sim.ledger));
  t.deepEqual(missing(ledgerPairs(sim.ledger), second.pairs()), [], 'both runs together hold every completion');
});

test('the file read last, truncated and written again while stopped, is read from its start', async (t) => {
  const sim = await startSim(t, { history: { batches: 5, students: 100, testRuns: 300 } });
  const dir = tempDir(t, 'bb-lt-');
  const first = await startTailer(t, sim.logPath, { dir });
  await first.caughtUp(sim.logPath);
  const stored = first.offset()!;
  await first.sup.shutdown();

  sim.truncate();
  sim.writeTestRuns(600); // longer than the stored position: only the first bytes tell
  t.true(fs.statSync(sim.logPath).size > stored.pos);

  const second = await startTailer(t, sim.logPath, { dir });
  await second.caughtUp(sim.logPath);
  const fresh = second.messages().filter((m) => m.session !== second.messages()[0]!.session);
  t.is(fresh.reduce((n, m) => n + (m.runs ?? 0), 0), 600, 'all 600 new lines, from position 0');
  t.is((await second.logged('log.file'))[0]!.fields.pos, 0);
  t.is((await second.logged('log.truncated'))[0]!.fields.while, 'stopped');
});
