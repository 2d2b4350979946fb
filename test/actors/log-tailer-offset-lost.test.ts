// A stored offset whose file is nowhere (neither PATH nor a rotated file: deleted while batchboard
// was down) gives a warning naming it, and the tailer starts over as on a first start, reading
// every file present (the warehouse is idempotent); nothing stops.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { startSim } from '../simulator/helpers.ts';
import { tempDir } from '../runtime/helpers.ts';
import { ledgerPairs, ledgerValidLines, missing, startTailer } from '../fixtures/log-tailer-harness.ts';

test('an offset in a file that is gone: a warning naming it, then everything present is read', async (t) => {
  const sim = await startSim(t, { history: { batches: 5, students: 100, testRuns: 500 } });
  sim.rotate();
  sim.writeTestRuns(200);
  const dir = tempDir(t, 'bb-lt-');
  const gone = { dev: fs.statSync(sim.logPath).dev, ino: 987_654_321, pos: 1234, head: Buffer.from('{"id": "tr-').toString('base64') };
  fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify({ offsets: { test_runs: gone }, known: [] }));

  const run = await startTailer(t, sim.logPath, { dir });
  await run.caughtUp(sim.logPath);
  const [warning] = await run.logged('log.offset_lost');
  t.truthy(warning, 'a warning');
  t.is(warning!.fields.level, 'warn');
  t.is(warning!.fields.ino, gone.ino);
  t.regex(String(warning!.fields.reason), new RegExp(`${gone.dev}:${gone.ino}`));
  t.deepEqual((await run.logged('log.file', 2)).map((e) => e.fields.file), ['test_runs.log.1', 'test_runs.log']);
  t.is(run.runs(), ledgerValidLines(sim.ledger));
  t.deepEqual(missing(ledgerPairs(sim.ledger), run.pairs()), []);
});
