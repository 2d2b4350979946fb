// Truncation while running (CONTRACTS §3): the log is cut to zero and written again from its
// start. The tailer reads it again from 0, whether the new content is still shorter than where it
// was (size < position) or already longer (only its first bytes tell).
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { startSim } from '../simulator/helpers.ts';
import { tempDir } from '../runtime/helpers.ts';
import { waitFor } from '../wait.ts';
import { ledgerPairs, ledgerValidLines, missing, startTailer } from '../fixtures/log-tailer-harness.ts';

test('after a truncation the log is read again from its start', async (t) => {
  const sim = await startSim(t, { history: { batches: 5, students: 100, testRuns: 1000 } });
  const run = await startTailer(t, sim.logPath);
  await run.caughtUp(sim.logPath);
  const ino = fs.statSync(sim.logPath).ino;
  const posBefore = run.offset()!.pos;

  // Shorter than before.
  sim.truncate();
  sim.writeTestRuns(50);
  await run.caughtUp(sim.logPath, 'the lines after the first truncation');
  t.true(fs.statSync(sim.logPath).size < posBefore);
  // Longer than before, at once.
  sim.truncate();
  sim.writeTestRuns(1500);
  await run.caughtUp(sim.logPath, 'the lines after the second truncation');
  t.is(fs.statSync(sim.logPath).ino, ino, 'the same file all along');

  t.is(run.runs(), ledgerValidLines(sim.ledger), 'every line read once: nothing skipped after the truncations');
  const expected = ledgerPairs(sim.ledger);
  t.deepEqual(missing(expected, run.pairs()), []);
  t.deepEqual(missing(run.pairs(), expected), []);
  t.deepEqual(run.rejected(), [], 'no line read from the middle');
  const positions = run.messages().map((m) => (m.offset as { pos: number }).pos);
  t.true(positions.filter((p, i) => i > 0 && p < positions[i - 1]!).length >= 2, 'the offset went back twice');
  const truncated = await run.logged('log.truncated', 2);
  t.deepEqual(truncated.map((e) => e.fields.while), ['running', 'running'], 'both seen as truncations');
});

test('a truncation that leaves the file longer than the position is seen by its first bytes', async (t) => {
  const dir = tempDir(t, 'bb-lt-');
  const log = path.join(dir, 'test_runs.log');
  const createdAt = (id: number) => `2024-06-01T00:00:${String(id).padStart(2, '0')}.000Z`;
  const line = (id: number, student: number) =>
    `{"id": "tr-${id}", "student_id": ${student}, "lesson_id": 1, "passing_count": 3, "failure_count": 0, "created_at": "${createdAt(id)}"}\n`;
  fs.writeFileSync(log, line(1, 1) + line(2, 2));
  const run = await startTailer(t, log);
  await run.caughtUp(log);
  // One write: truncate and replace with more bytes than were read, and other first bytes.
  fs.writeFileSync(log, line(10, 10) + line(11, 11) + line(12, 12) + line(13, 13));
  await run.caughtUp(log);
  await waitFor(() => run.pairs().has('13:1'), { what: 'the last new line' });
  t.deepEqual([...run.pairs()].sort(), ['10:1', '11:1', '12:1', '13:1', '1:1', '2:1']);
  t.deepEqual(
    [...run.times()].sort(),
    [1, 2, 10, 11, 12, 13].map((id) => [`${id}:1`, Date.parse(createdAt(id))]).sort(),
    'each with its line\'s created_at',
  );
  t.is(run.runs(), 6);
  t.deepEqual(run.rejected(), []);
});
