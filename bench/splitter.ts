// How fast test_runs.log turns into test runs (the LogTailer's claim: well over 500,000 lines/s on
// one core). The same simulator-written log (1,000,000 lines by default, 1% unusual but valid
// line variants, as with `--fault line-variants`) goes through each contender, which must find the
// same runs and completions (each pair with the same earliest created_at):
//   readline-transform + checkLine   the suggestion: a string stream split by regex, JSON.parse per line
//   Buffer.indexOf + checkLine        our splitter on bytes, still JSON.parse per line
//   LineReader (the LogTailer's)     our splitter plus the byte-level fast path for canonical lines
// Run: node --import=tsx bench/splitter.ts [--lines N] [--rounds N]
import { closeSync, createReadStream, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ReadlineTransform from 'readline-transform';
import { startSimulator } from '../src/simulator/index.ts';
import { checkLine } from '../src/domain/validate.ts';
import { completes } from '../src/domain/records.ts';
import { LineReader } from '../src/sources/log/lines.ts';
import { PairTimes } from '../src/domain/pair-times.ts';
import { msOf } from '../src/domain/event-time.ts';
import { machineLine } from './machine.ts';

interface Result {
  runs: number;
  completions: number;
  /** The completions' earliest times, each as ms within its day, summed: the same times give the same sum. */
  timeSum: number;
  rejected: number;
}

/** Fills r.completions and r.timeSum from the distinct pairs, and empties the set. */
function finish(pairs: PairTimes, r: Result): void {
  const t = pairs.take();
  r.completions = t.length / 3;
  for (let i = 2; i < t.length; i += 3) r.timeSum += t[i]! % 86_400_000;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function count(line: string, pairs: PairTimes, r: Result): void {
  const c = checkLine(line);
  if (c.kind === 'run') {
    r.runs++;
    if (completes(c.run.passing_count, c.run.failure_count)) pairs.add(c.run.student_id, c.run.lesson_id, msOf(c.run.created_at));
  } else if (c.kind === 'bad') r.rejected++;
}

async function viaReadlineTransform(file: string): Promise<Result> {
  const r: Result = { runs: 0, completions: 0, timeSum: 0, rejected: 0 };
  const pairs = new PairTimes();
  const lines = createReadStream(file, { highWaterMark: 1 << 20 }).pipe(new ReadlineTransform({ skipEmpty: true }));
  for await (const line of lines as AsyncIterable<string>) count(line, pairs, r);
  finish(pairs, r);
  return r;
}

function viaIndexOf(file: string): Result {
  const r: Result = { runs: 0, completions: 0, timeSum: 0, rejected: 0 };
  const pairs = new PairTimes();
  const fd = openSync(file, 'r');
  const buf = Buffer.allocUnsafe(2 << 20);
  let carry = 0;
  let pos = 0;
  try {
    for (;;) {
      const n = readSync(fd, buf, carry, 1 << 20, pos);
      if (n === 0) break;
      pos += n;
      const len = carry + n;
      const data = buf.subarray(0, len);
      let i = 0;
      for (let nl = data.indexOf(10, i); nl >= 0; nl = data.indexOf(10, i)) {
        count(buf.toString('utf8', i, nl), pairs, r);
        i = nl + 1;
      }
      buf.copyWithin(0, i, len);
      carry = len - i;
    }
  } finally {
    closeSync(fd);
  }
  finish(pairs, r);
  return r;
}

function viaLineReader(file: string): Result {
  const r: Result = { runs: 0, completions: 0, timeSum: 0, rejected: 0 };
  const pairs = new PairTimes();
  const fd = openSync(file, 'r');
  const st = statSync(file);
  const reader = new LineReader(1 << 20);
  reader.reset({ dev: st.dev, ino: st.ino }, 0);
  try {
    // As the actor does: one batch (a message) per read.
    while (reader.readSome(fd) > 0) {
      const b = reader.take();
      r.runs += b.runs;
      r.rejected += b.rejected.length;
      const c = b.completions;
      for (let i = 0; i + 2 < c.length; i += 3) pairs.add(c[i]!, c[i + 1]!, c[i + 2]!);
    }
  } finally {
    closeSync(fd);
  }
  finish(pairs, r);
  return r;
}

export async function main(argv: string[] = []): Promise<void> {
  const arg = (name: string, dflt: number) => {
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv[i + 1]) : dflt;
  };
  const lines = arg('--lines', 1_000_000);
  const rounds = arg('--rounds', 3);
  console.log(machineLine());
  const dir = mkdtempSync(join(tmpdir(), 'bb-bench-'));
  try {
    const sim = await startSimulator({ dir, history: { batches: 50, students: 20_000, testRuns: lines }, live: false, faults: { 'line-variants': 0.01 } });
    await sim.close();
    const file = sim.logPath;
    const size = statSync(file).size;
    console.log(`splitter: ${fmt(sim.ledger.lines)} lines, ${(size / 2 ** 20).toFixed(0)} MiB (${Math.round(size / sim.ledger.lines)} bytes/line), best of ${rounds} rounds, file in page cache`);
    const contenders: [string, () => Result | Promise<Result>][] = [
      ['readline-transform + checkLine', () => viaReadlineTransform(file)],
      ['Buffer.indexOf + checkLine', () => viaIndexOf(file)],
      ['LineReader (fast path + checkLine)', () => viaLineReader(file)],
    ];
    let reference: Result | null = null;
    for (const [name, run] of contenders) {
      let best = Infinity;
      let result: Result | null = null;
      for (let k = 0; k < rounds; k++) {
        const t0 = performance.now();
        result = await run();
        best = Math.min(best, performance.now() - t0);
      }
      reference ??= result;
      const same = JSON.stringify(result) === JSON.stringify(reference) ? '' : `  DIFFERENT RESULT ${JSON.stringify(result)} vs ${JSON.stringify(reference)}`;
      console.log(
        `  ${name.padEnd(36)} ${fmt(sim.ledger.lines / (best / 1000)).padStart(11)} lines/s  ${(size / 2 ** 20 / (best / 1000)).toFixed(0).padStart(5)} MiB/s` +
          `  (${fmt(result!.runs)} runs, ${fmt(result!.completions)} completions, ${result!.rejected} rejected)${same}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main(process.argv.slice(2));
