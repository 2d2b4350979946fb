// CONTRACTS §3 end to end: a reader that follows the log by inode and offset, through rotations,
// truncations and lines written in two parts, ends at expected(). One that caught up before each
// truncation matches `truncatedLines: 'read'`; one that reads only at the end matches 'lost'.
import { existsSync, readFileSync, statSync } from 'node:fs';
import test from 'ava';
import { classifyLine, type ExpectedWarehouse, type Simulator } from '../../src/simulator/index.ts';
import { startSim } from './helpers.ts';

class Tail {
  readonly lines: string[] = [];
  private ino = -1;
  private off = 0;

  constructor(private readonly sim: Simulator) {}

  /** Reads every complete line it has not read, oldest file first. */
  poll(): void {
    const files = [...this.sim.rotatedLogs().reverse(), this.sim.logPath].filter((f) => existsSync(f)).map((f) => ({ f, ino: statSync(f).ino }));
    let i = files.findIndex((x) => x.ino === this.ino);
    if (i < 0) i = 0;
    for (; i < files.length; i++) {
      const { f, ino } = files[i]!;
      if (ino !== this.ino) [this.ino, this.off] = [ino, 0];
      const data = readFileSync(f);
      // Shorter than where we were: truncated.
      if (data.length < this.off) this.off = 0;
      const end = data.lastIndexOf(0x0a) + 1;
      if (end > this.off) {
        this.lines.push(...data.subarray(this.off, end).toString('utf8').split('\n').slice(0, -1));
        this.off = end;
      }
    }
  }
}

function fromLines(lines: string[], w: ExpectedWarehouse): { completed: [number, number][]; bad: number } {
  const seen = new Set<string>();
  const lessons = new Map<number, Set<number>>();
  let bad = 0;
  for (const line of lines) {
    const c = classifyLine(line);
    if (c.kind === 'bad') bad++;
    if (c.kind !== 'run' || seen.has(c.run.id)) continue;
    seen.add(c.run.id);
    if (c.run.failure_count === 0 && c.run.passing_count > 0) {
      const set = lessons.get(c.run.student_id) ?? new Set();
      lessons.set(c.run.student_id, set.add(c.run.lesson_id));
    }
  }
  return { completed: w.students.map((s) => [s.id, lessons.get(s.id)?.size ?? 0]), bad };
}

test('a tailing reader ends at expected() through rotation, truncation and split lines', async (t) => {
  const sim = await startSim(t, {
    history: { batches: 5, students: 50, testRuns: 500 },
    live: { manual: true, batchesPerSec: 0, studentsPerSec: 5, testRunsPerSec: 200 },
    faults: { 'duplicate-lines': 0.05, 'bad-lines': 0.02, 'split-lines': 0.02, 'line-variants': 0.05, 'early-test-runs': 0.02, rotate: 3 },
    tuning: { splitPauseMs: 5 },
  });
  const eager = new Tail(sim);
  const lazy = new Tail(sim);
  for (let round = 0; round < 12; round++) {
    sim.step(1_000);
    eager.poll(); // likely in the middle of a split line: its first part must wait
    await sim.settled();
    eager.poll();
    if (round % 4 === 3) {
      sim.truncate();
      eager.poll(); // sees the file shorter than its offset: a truncation, not new data
      sim.writeTestRuns(2);
    }
  }
  await sim.settled();
  eager.poll();
  lazy.poll();

  const c = sim.ledger.counts();
  t.true(c.truncations === 3 && c.rotations >= 3 && c.splitLines > 0 && c.duplicateLines > 0 && c.badLines > 0, JSON.stringify(c));
  const read = sim.expected({ truncatedLines: 'read' });
  const lost = sim.expected({ truncatedLines: 'lost' });
  const e = fromLines(eager.lines, read);
  t.deepEqual(e.completed, read.students.map((s) => [s.id, s.completed]));
  t.is(e.bad, read.rejected.test_runs);
  const l = fromLines(lazy.lines, lost);
  t.deepEqual(l.completed, lost.students.map((s) => [s.id, s.completed]));
  t.is(l.bad, lost.rejected.test_runs);
  t.notDeepEqual(e.completed, l.completed, 'the truncations lost something');
  t.is(eager.lines.length, c.lines, 'the eager reader read every line once');
  t.is(readFileSync(sim.logPath, 'utf8').endsWith('\n'), true);
});
