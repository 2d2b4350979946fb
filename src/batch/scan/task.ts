// One task of the parallel scan of the log: a byte range of one file (or a whole compressed file),
// parsed by the LogTailer's own LineReader, so that `rebuild` finds the runs, the completions and
// the rejected lines (under the same keys) that streaming finds. Runs in a piscina worker thread
// (worker.ts); pure enough to be called on the main thread too.
//
// A range [start, end) owns the lines that START in it: it begins after the first line end at or
// after start - 1 (start 0: at once), and it reads the line that crosses `end` to its end. Line
// ends are bytes 0x0a, which no multi-byte UTF-8 character contains: a boundary never cuts one.
import { readSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Rejected } from '../../domain/records.ts';
import { LineReader } from '../../sources/log/lines.ts';
import { PairRuns } from '../../domain/pair-runs.ts';

export interface ScanTask {
  /** An open file descriptor of the main thread's: worker threads share it (a rename cannot swap the file). */
  fd: number;
  dev: number;
  ino: number;
  /** A whole compressed rotated file (start 0, end its compressed size): decompressed as a stream. */
  gz: boolean;
  start: number;
  end: number;
  /**
   * The last range of the live log (PATH): a last line without its \n is left for streaming, and
   * the position after the last complete line is the offset to store. Elsewhere (a rotated file
   * will not grow) such a line is rejected as incomplete, as the LogTailer rejects it.
   */
  live: boolean;
  /** The range reaches the file's end. */
  last: boolean;
}

export interface ScanResult {
  /** Completions as packed keys (student * PACK + lesson), ascending, each once (scan.ts merges the tasks'). */
  keys: Float64Array;
  /** Each key's earliest completing time (ms). */
  times: Float64Array;
  /** Completions whose ids do not pack (rare), as [student, lesson, ms]. */
  odd: [number, number, number][];
  /** Valid test runs, completing or not. */
  runs: number;
  rejected: Rejected[];
  /** Bytes of the file this task covered (compressed bytes for a .gz file). */
  bytes: number;
  /** The position after the last complete line this task consumed; -1 when it consumed none. */
  endPos: number;
}

const READ = 1 << 20;
/** Completing runs a range of 32 MiB holds, about (a third of its 240,000 lines): room for them at once. */
const RANGE_PAIRS = 100_000;
const NL = 0x0a;

/**
 * One reader per thread for the ranges, task after task (its buffer is a megabyte): a range is
 * read from start to end without an await, so tasks queued in the thread never share it. A
 * compressed file awaits its stream: it has a reader of its own.
 */
let rangeReader: LineReader | null = null;

export async function scanTask(t: ScanTask): Promise<ScanResult> {
  const reader = t.gz ? new LineReader(READ, new PairRuns(RANGE_PAIRS)) : (rangeReader ??= new LineReader(READ, new PairRuns(RANGE_PAIRS)));
  const read = t.gz ? (await scanGz(t, reader), true) : scanRange(t, reader);
  const { keys, times, odd } = reader.pairs.takeSorted();
  const { runs, rejected } = reader.take();
  return { keys, times, odd, runs, rejected, bytes: t.end - t.start, endPos: read ? reader.pos : -1 };
}

/** False when no line starts in the range. */
function scanRange(t: ScanTask, reader: LineReader): boolean {
  const first = t.start === 0 ? 0 : lineStartAtOrAfter(t.fd, t.start);
  if (first === null || first >= t.end) return false;
  reader.reset(t, first);
  // Lines that start before `end`: read up to it, then the rest of the line that crosses it.
  while (reader.readPos < t.end) {
    if (reader.readSome(t.fd, t.end - reader.readPos) === 0) break;
  }
  if (reader.pending && !t.last) {
    const close = lineStartAtOrAfter(t.fd, t.end);
    const stop = close ?? Number.MAX_SAFE_INTEGER;
    while (reader.readPos < stop && reader.readSome(t.fd, stop - reader.readPos) > 0);
  }
  // A rotated file's last line without its \n will never be completed: rejected, not lost.
  if (t.last && !t.live) reader.finishFile();
  return true;
}

/** The position just after the first \n at or after `at - 1` (so a line starting at `at` counts), or null at the end of the file. */
function lineStartAtOrAfter(fd: number, at: number): number | null {
  const buf = Buffer.allocUnsafe(64 * 1024);
  for (let pos = at - 1; ; pos += buf.length) {
    const n = readSync(fd, buf, 0, buf.length, pos);
    if (n === 0) return null;
    const nl = buf.subarray(0, n).indexOf(NL);
    if (nl >= 0) return pos + nl + 1;
  }
}

/** A compressed rotated file, whole: read, decompressed and parsed as a stream, its positions those of the decompressed bytes. */
async function scanGz(t: ScanTask, reader: LineReader): Promise<void> {
  reader.reset(t, 0);
  const gunzip = createGunzip();
  const done = new Promise<void>((resolve, reject) => {
    gunzip.on('data', (chunk: Buffer) => reader.feed(chunk));
    gunzip.once('end', resolve);
    gunzip.once('error', reject);
  });
  const buf = Buffer.allocUnsafe(READ);
  for (let pos = 0; ; ) {
    const n = readSync(t.fd, buf, 0, buf.length, pos);
    if (n === 0) break;
    pos += n;
    if (!gunzip.write(Buffer.from(buf.subarray(0, n)))) await new Promise((resolve) => gunzip.once('drain', resolve));
  }
  gunzip.end();
  await done;
  reader.finishFile();
}
