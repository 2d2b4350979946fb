// Turning the bytes of one log file into test runs and rejected lines (CONTRACTS §3): complete
// lines only, a partial last line carried (as bytes, so a multi-byte character cut by a read is
// decoded whole), blank lines skipped, a line over 64 KiB rejected without ever being held whole.
// The follower and `readWholeLog` both read through this, so they agree line for line and key
// for key.
import { readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { completes, cutRaw, MAX_RAW_CHARS, type Rejected } from '../../domain/records.ts';
import { checkLine, MAX_LINE_BYTES } from '../../domain/validate.ts';
import { lineRejectKey } from '../../domain/keys.ts';
import { parseCanonical, parsed } from './parse.ts';
import { PairTimes, type SortedTimes } from '../../domain/pair-times.ts';
import { msOf } from '../../domain/event-time.ts';

const NL = 0x0a;
const CR = 0x0d;
/** A partial line longer than this can only end as a line over MAX_LINE_BYTES, even with a \r. */
const CARRY_MAX = MAX_LINE_BYTES + 1;
const TOO_LONG = `line over ${MAX_LINE_BYTES} bytes`;
/**
 * A line over MAX_LINE_BYTES, fed in pieces: keeps its first MAX_RAW_CHARS characters and counts
 * the rest, so that its `raw` is what `cutRaw` gives for the whole line, in bounded memory. The key
 * digests that raw, not the whole line (which is never held): the same for every reader.
 */
class LongLine {
  private readonly decoder = new StringDecoder('utf8');
  private head = '';
  private chars = 0;
  private last = 0;

  constructor(readonly start: number) {}

  feed(b: Uint8Array, from: number, to: number): void {
    if (to <= from) return;
    const text = this.decoder.write(b.subarray(from, to));
    if (this.head.length < MAX_RAW_CHARS) this.head += text.slice(0, MAX_RAW_CHARS - this.head.length);
    this.chars += text.length;
    this.last = b[to - 1]!;
  }

  /** Its raw text, as cutRaw gives it for the whole line (without its \n, and a \r before that dropped as checkLine does). */
  raw(): string {
    const rest = this.decoder.end();
    this.chars += rest.length;
    if (this.head.length < MAX_RAW_CHARS) this.head += rest.slice(0, MAX_RAW_CHARS - this.head.length);
    const chars = this.chars - (this.last === CR ? 1 : 0);
    return chars <= MAX_RAW_CHARS ? this.head.slice(0, chars) : `${this.head}…(${chars} chars)`;
  }
}

/** Completions as a reader gathers them: each (student, lesson) once with its earliest time, taken sorted (PairTimes, PairRuns). */
export interface PairSink {
  add(student: number, lesson: number, ms: number): unknown;
  readonly size: number;
  take(): Float64Array;
  takeSorted(): SortedTimes;
}

export interface FileIdentity {
  dev: number;
  ino: number;
}

/** What was read since the last `take()`. */
export interface LinesBatch {
  /** Completions as [student, lesson, ms, ...], each pair once with its earliest time, ascending. */
  completions: Float64Array;
  runs: number;
  rejected: Rejected[];
}

/**
 * Reads one file from a position: `readSome(fd)` reads the next piece (at most `maxRead` bytes)
 * after what it holds, and parses every complete line in it. `pos` is the position just after the
 * last complete line consumed: the offset to store.
 */
export class LineReader {
  /** Position after the last complete line. */
  pos = 0;
  /** Position of the next byte to read (pos + the partial line carried). */
  readPos = 0;
  runs = 0;
  readonly pairs: PairSink;
  rejected: Rejected[] = [];
  private readonly buf: Buffer;
  private carry = 0;
  private long: LongLine | null = null;
  private id: FileIdentity = { dev: 0, ino: 0 };

  /** `pairs`: where its completions gather (default a PairTimes, which a reader taking small batches again and again wants). */
  constructor(
    private readonly maxRead: number,
    pairs: PairSink = new PairTimes(),
  ) {
    this.pairs = pairs;
    // Room for the longest partial line kept as bytes plus a whole read after it.
    this.buf = Buffer.allocUnsafe(maxRead + CARRY_MAX + 1);
  }

  /** Starts a file (or the same one again, after a truncation) at `pos`; keeps what was parsed. */
  reset(id: FileIdentity, pos: number): void {
    this.id = { dev: id.dev, ino: id.ino };
    this.pos = pos;
    this.readPos = pos;
    this.carry = 0;
    this.long = null;
  }

  /** True when nothing was parsed since the last take(). */
  get empty(): boolean {
    return this.runs === 0 && this.rejected.length === 0 && this.pairs.size === 0;
  }

  /** What was parsed since the last call. */
  take(): LinesBatch {
    const batch = { completions: this.pairs.take(), runs: this.runs, rejected: this.rejected };
    this.runs = 0;
    this.rejected = [];
    return batch;
  }

  /** Reads once at readPos (at most `limit` bytes) and parses what completes; returns the bytes read (0: end of file). */
  readSome(fd: number, limit = this.maxRead): number {
    const n = readSync(fd, this.buf, this.carry, Math.min(limit, this.maxRead), this.readPos);
    if (n > 0) this.parse(this.carry + n, n);
    return n;
  }

  /**
   * The next bytes of the file from a stream (a decompressed .gz file), as if read at readPos: parses
   * what completes. Any size; taken `maxRead` bytes at a time.
   */
  feed(chunk: Uint8Array): void {
    for (let at = 0; at < chunk.length; at += this.maxRead) {
      const piece = chunk.subarray(at, Math.min(chunk.length, at + this.maxRead));
      this.buf.set(piece, this.carry);
      this.parse(this.carry + piece.length, piece.length);
    }
  }

  /** A line begun and not ended yet (no \n read after it). */
  get pending(): boolean {
    return this.long !== null || this.carry > 0;
  }

  /**
   * At the end of a file that will not grow (rotated away): a last line without its \n will never
   * be completed, so it is rejected rather than lost silently.
   */
  finishFile(): void {
    if (this.long === null && this.carry === 0) return;
    const start = this.pos;
    let raw: string;
    if (this.long !== null) raw = this.long.raw();
    else raw = cutRaw(this.buf.toString('utf8', 0, this.buf[this.carry - 1] === CR ? this.carry - 1 : this.carry));
    // A lone \r is a blank line that lost its \n: nothing to reject.
    if (raw !== '') this.reject('incomplete last line (no \\n) in a rotated file', raw, start, raw);
    this.pos = this.readPos;
    this.carry = 0;
    this.long = null;
  }

  private reject(reason: string, raw: string, start: number, keyText: string): void {
    this.rejected.push({ source: 'test_runs', reason, raw, key: lineRejectKey(this.id.dev, this.id.ino, start, keyText) });
  }

  /** Parses buf[0, len), whose last `fresh` bytes were just read; buf[0] is at file position pos. */
  private parse(len: number, fresh: number): void {
    const b = this.buf;
    const data = b.subarray(0, len);
    // The file position of buf[0]: the carried partial line's start, or where this read began.
    const base = this.readPos - this.carry;
    let i = 0;
    if (this.long !== null) {
      const nl = data.indexOf(NL, 0);
      if (nl < 0) {
        this.long.feed(b, 0, len);
        this.readPos += fresh;
        return;
      }
      this.long.feed(b, 0, nl);
      const raw = this.long.raw();
      this.reject(TOO_LONG, raw, this.long.start, raw);
      this.long = null;
      i = nl + 1;
    }
    let runs = 0;
    while (i < len) {
      const end = parseCanonical(b, i, len);
      if (end >= 0) {
        runs++;
        if (parsed.failure === 0 && parsed.passing > 0) this.pairs.add(parsed.student, parsed.lesson, parsed.ms);
        i = end + 1;
        continue;
      }
      const nl = data.indexOf(NL, i);
      if (nl < 0) break;
      runs += this.general(i, nl, base);
      i = nl + 1;
    }
    this.runs += runs;
    this.readPos += fresh;
    const left = len - i;
    if (left > CARRY_MAX) {
      // Cannot end as a valid line: stop holding it, keep only what its rejection needs.
      this.long = new LongLine(base + i);
      this.long.feed(b, i, len);
      this.carry = 0;
    } else {
      if (left > 0 && i > 0) b.copyWithin(0, i, len);
      this.carry = left;
    }
    // The offset moves past the last complete line; a long line in progress holds it at its start.
    this.pos = this.long !== null ? this.long.start : this.readPos - this.carry;
  }

  /** Any line the fast path did not take: checkLine decides. Returns 1 for a valid run. */
  private general(start: number, nl: number, base: number): number {
    const b = this.buf;
    const bytes = nl - start;
    const textBytes = bytes > 0 && b[nl - 1] === CR ? bytes - 1 : bytes;
    if (textBytes === 0) return 0;
    if (textBytes > MAX_LINE_BYTES) {
      const long = new LongLine(base + start);
      long.feed(b, start, nl);
      const raw = long.raw();
      this.reject(TOO_LONG, raw, base + start, raw);
      return 0;
    }
    const line = b.toString('utf8', start, nl);
    const r = checkLine(line, bytes);
    switch (r.kind) {
      case 'blank':
        return 0;
      case 'run':
        if (completes(r.run.passing_count, r.run.failure_count)) this.pairs.add(r.run.student_id, r.run.lesson_id, msOf(r.run.created_at));
        return 1;
      case 'bad': {
        const text = line.charCodeAt(line.length - 1) === CR ? line.slice(0, -1) : line;
        this.reject(r.reason, cutRaw(text), base + start, text);
        return 0;
      }
      default: {
        const never: never = r;
        throw new Error(`unknown line result ${JSON.stringify(never)}`);
      }
    }
  }
}
