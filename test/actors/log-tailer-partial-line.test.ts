// The last line may be incomplete (no \n yet): it is read only once complete (CONTRACTS §3). The
// offset stays at its start meanwhile, so a restart would read it whole; a character cut between
// the two writes decodes whole.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { startSim, holdsFor } from '../simulator/helpers.ts';
import { tempDir } from '../runtime/helpers.ts';
import { ledgerValidLines, startTailer } from '../fixtures/log-tailer-harness.ts';

test('a line written in two parts is read once, when its \\n arrives', async (t) => {
  const sim = await startSim(t, { history: { batches: 5, students: 50, testRuns: 200 } });
  const run = await startTailer(t, sim.logPath);
  await run.caughtUp(sim.logPath);
  const before = run.runs();

  const split = sim.writeSplitLine({ pauseMs: 4000 });
  const sizeWithFirst = fs.statSync(sim.logPath).size;
  const lineStart = sizeWithFirst - Buffer.byteLength(split.first);
  t.true(split.first.length > 0 && !split.first.includes('\n'));
  // However often the tailer looks meanwhile, the half line is not consumed.
  t.true(await holdsFor(() => run.runs() === before && (run.offset()?.pos ?? 0) <= lineStart, 1000), 'nothing read from the half line');
  t.is(run.offset()?.pos, lineStart, 'the offset waits at the start of the half line');

  await sim.settled();
  await run.caughtUp(sim.logPath, 'the completed line');
  t.is(run.runs(), before + 1);
  t.is(run.runs(), ledgerValidLines(sim.ledger));
  t.deepEqual(run.rejected(), []);
  const { run: r } = split;
  if (r.failure_count === 0 && r.passing_count > 0) t.true(run.pairs().has(`${r.student_id}:${r.lesson_id}`));
});

test('a multi-byte character cut between two writes decodes whole', async (t) => {
  const dir = tempDir(t, 'bb-lt-');
  const log = path.join(dir, 'test_runs.log');
  // Not canonical (extra non-ASCII key): the general path, checkLine on the decoded text.
  const text = '{"id": "tr-1", "who": "Zoë ✓", "student_id": 7, "lesson_id": 3, "passing_count": 4, "failure_count": 0, "created_at": "2024-06-01T00:00:00.000Z"}\n';
  const bytes = Buffer.from(text);
  const cut = bytes.indexOf(Buffer.from('ë')) + 1; // inside the two bytes of ë
  fs.writeFileSync(log, bytes.subarray(0, cut));
  const run = await startTailer(t, log);
  await run.logged('log.file');
  t.true(await holdsFor(() => run.runs() === 0, 500));
  fs.appendFileSync(log, bytes.subarray(cut));
  await run.caughtUp(log);
  t.is(run.runs(), 1);
  t.deepEqual([...run.times()], [['7:3', Date.parse('2024-06-01T00:00:00.000Z')]]);
  t.deepEqual(run.rejected(), []);
  t.is(run.offset()?.pos, bytes.length, 'offsets count bytes, not characters');
});
