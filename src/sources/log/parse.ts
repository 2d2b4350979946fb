// The fast path of the log parser: the line every writer of §3 prints most (the simulator's and
// Flatiron's canonical form) is read straight from the bytes, with no string and no JSON.parse:
//
//   {"id": "tr-000000042", "student_id": 42, "lesson_id": 17, "passing_count": 12, "failure_count": 0, "created_at": "2024-03-02T10:00:00.000Z"}
//
// and the same keys in the same order with any spaces or tabs between tokens (compact JSON, as
// most JSON writers print it, included). It accepts only lines on which `checkLine`
// (domain/validate.ts) would return the same valid run; anything else (other key order, escapes,
// non-ASCII, negative or non-integer numbers, \r\n, extra keys) returns -1 and goes to the
// general path, checkLine itself.
// test/actors/log-tailer-fast-parse.test.ts holds the two to agreement; bench/splitter.ts measures
// what it buys (JSON.parse per line is most of the cost otherwise).
import { isDate, MAX_LINE_BYTES } from '../../domain/validate.ts';

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

// Each key with its colon; tokens between them may have JSON spaces or tabs around them.
const ID = ascii('"id"');
const STUDENT = ascii('"student_id"');
const LESSON = ascii('"lesson_id"');
const PASSING = ascii('"passing_count"');
const FAILURE = ascii('"failure_count"');
const CREATED = ascii('"created_at"');

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const BACKSLASH = 0x5c;
const NL = 0x0a;

/** What the last successful `parseCanonical` read. Module state, not an object per line. */
export const parsed = { student: 0, lesson: 0, passing: 0, failure: 0, ms: 0 };

/** The last date (as YYYYMMDD) found valid, and its midnight in ms: consecutive lines almost always share it. */
let validDate = -1;
let validDayMs = 0;
/** That date's 10 bytes, as read by the DataView: 4, 4 and 2 of them. */
let validW0 = -1;
let validW1 = -1;
let validW2 = -1;
/** The instant the last `timestamp` accepted, in ms since the epoch. */
let stampMs = 0;

/** Where `lit` ends, or -1 when the bytes at `i` are not `l`. */
function lit(b: Uint8Array, i: number, end: number, l: Uint8Array): number {
  if (i + l.length > end) return -1;
  for (let k = 0; k < l.length; k++) if (b[i + k] !== l[k]) return -1;
  return i + l.length;
}

/** Past any spaces and tabs from `i` (the JSON white space a line can hold, \r and \n aside). */
function ws(b: Uint8Array, i: number, end: number): number {
  while (i < end && (b[i] === 0x20 || b[i] === 0x09)) i++;
  return i;
}

/** Past white space, the byte `c`, white space; or -1. */
function ch(b: Uint8Array, i: number, end: number, c: number): number {
  i = ws(b, i, end);
  if (i >= end || b[i] !== c) return -1;
  return ws(b, i + 1, end);
}

/** Past `,` (unless first), the key, `:`, with white space around; or -1. */
function key(b: Uint8Array, i: number, end: number, k: Uint8Array, first = false): number {
  if (!first && (i = ch(b, i, end, COMMA)) < 0) return -1;
  if ((i = lit(b, i, end, k)) < 0) return -1;
  return ch(b, i, end, COLON);
}

// The separator and key as the two common writers print them, compared in one go: `, "k": `
// (Python's json.dumps, the simulator) and `,"k":` (JSON.stringify). Anything else takes key().
// Measured with bench/splitter.ts (1,000,000 simulator lines, one core): 358 MiB/s with key()
// for every field, 447 MiB/s with these first.
// Compared four bytes at a time (a DataView over the buffer reads unaligned words), and a date
// that is the last valid one's bytes again is not read digit by digit: measured with
// bench/splitter.ts (1,000,000 simulator lines, three runs each side by side on this slowed
// machine), 444,000-526,000 lines/s byte by byte, 589,000-618,000 this way.
interface Segment {
  length: number;
  /** Its bytes as little-endian 32-bit words, then its last length % 4 bytes. */
  words: Uint32Array;
  tail: Uint8Array;
}
const segment = (text: string): Segment => {
  const bytes = ascii(text);
  const n = bytes.length >> 2;
  const words = new Uint32Array(n);
  for (let k = 0; k < n; k++) words[k] = (bytes[4 * k]! | (bytes[4 * k + 1]! << 8) | (bytes[4 * k + 2]! << 16) | (bytes[4 * k + 3]! << 24)) >>> 0;
  return { length: bytes.length, words, tail: bytes.subarray(4 * n) };
};
const spaced = (k: string, first = false): Segment => segment(`${first ? '' : ', '}${k}: `);
const compact = (k: string, first = false): Segment => segment(`${first ? '' : ','}${k}:`);

/** The buffer last parsed and a DataView over it: the LogTailer parses one buffer, line after line. */
let viewed: Uint8Array | null = null;
let view: DataView = new DataView(new ArrayBuffer(0));

/** Where `seg` ends, or -1 when the bytes at `i` are not it. */
function word(b: Uint8Array, i: number, end: number, seg: Segment): number {
  if (i + seg.length > end) return -1;
  const w = seg.words;
  for (let k = 0; k < w.length; k++) if (view.getUint32(i + 4 * k, true) !== w[k]) return -1;
  const at = i + 4 * w.length;
  const t = seg.tail;
  for (let k = 0; k < t.length; k++) if (b[at + k] !== t[k]) return -1;
  return i + seg.length;
}
const SEGMENTS = {
  id: [spaced('"id"', true), compact('"id"', true)],
  student: [spaced('"student_id"'), compact('"student_id"')],
  lesson: [spaced('"lesson_id"'), compact('"lesson_id"')],
  passing: [spaced('"passing_count"'), compact('"passing_count"')],
  failure: [spaced('"failure_count"'), compact('"failure_count"')],
  created: [spaced('"created_at"'), compact('"created_at"')],
} as const;

/**
 * key(), with the common spellings tried first as whole byte runs, and like key() past the white
 * space after them: a value padded to a fixed width (`"student_id":   42`, as a writer of
 * fixed-width lines prints it, bench/workers/appender.mjs) went to the general path, JSON.parse and
 * its checks, at several times the cost.
 */
function field(b: Uint8Array, i: number, end: number, segs: readonly [Segment, Segment], k: Uint8Array, first = false): number {
  let j = word(b, i, end, segs[0]);
  if (j < 0) j = word(b, i, end, segs[1]);
  return j >= 0 ? ws(b, j, end) : key(b, i, end, k, first);
}

let num = 0;

/**
 * A non-negative JSON integer of at most 15 digits (always a safe integer): sets `num`, returns
 * where it ends, or -1. A 16th digit fails the literal that follows, so it goes to the general path.
 */
function int(b: Uint8Array, i: number, end: number): number {
  if (i >= end) return -1;
  let c = b[i]!;
  if (c === 0x30) {
    num = 0;
    return i + 1;
  }
  if (c < 0x31 || c > 0x39) return -1;
  let v = c - 0x30;
  const stop = Math.min(end, i + 15);
  let j = i + 1;
  for (; j < stop; j++) {
    c = b[j]!;
    if (c < 0x30 || c > 0x39) break;
    v = v * 10 + (c - 0x30);
  }
  num = v;
  return j;
}

// A non-digit is so negative that any sum it enters is negative.
const digit = (b: Uint8Array, i: number): number => {
  const d = b[i]! - 0x30;
  return d >= 0 && d <= 9 ? d : -1e9;
};

/** `YYYY-MM-DDTHH:MM:SS.sssZ` naming a real instant, exactly as `isTimestamp` decides. */
function timestamp(b: Uint8Array, i: number): boolean {
  if (b[i + 4] !== 0x2d || b[i + 7] !== 0x2d || b[i + 10] !== 0x54 || b[i + 13] !== 0x3a || b[i + 16] !== 0x3a || b[i + 19] !== 0x2e || b[i + 23] !== 0x5a) {
    return false;
  }
  // The date: the last valid one's bytes again (consecutive lines almost always share it), or read.
  const w0 = view.getUint32(i, true);
  const w1 = view.getUint32(i + 4, true);
  const w2 = view.getUint16(i + 8, true);
  const same = w0 === validW0 && w1 === validW1 && w2 === validW2;
  const date = same ? validDate : (digit(b, i) * 1000 + digit(b, i + 1) * 100 + digit(b, i + 2) * 10 + digit(b, i + 3)) * 10_000 + (digit(b, i + 5) * 10 + digit(b, i + 6)) * 100 + digit(b, i + 8) * 10 + digit(b, i + 9);
  if (date < 0) return false;
  const hh = digit(b, i + 11) * 10 + digit(b, i + 12);
  const mm = digit(b, i + 14) * 10 + digit(b, i + 15);
  const ss = digit(b, i + 17) * 10 + digit(b, i + 18);
  const ms = digit(b, i + 20) + digit(b, i + 21) + digit(b, i + 22);
  // A real instant: Date.parse rolls 24:00 or :60 over and the round trip of isTimestamp fails.
  if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 59 || ms < 0) return false;
  // Event time from the digits (Date.parse per line cost more than the rest of the line).
  const inDay = ((hh * 60 + mm) * 60 + ss) * 1000 + digit(b, i + 20) * 100 + digit(b, i + 21) * 10 + digit(b, i + 22);
  if (date === validDate) {
    stampMs = validDayMs + inDay;
    return true;
  }
  const text = String.fromCharCode(...b.subarray(i, i + 10));
  if (!isDate(text)) return false;
  validDate = date;
  validW0 = w0;
  validW1 = w1;
  validW2 = w2;
  validDayMs = Date.parse(`${text}T00:00:00.000Z`);
  stampMs = validDayMs + inDay;
  return true;
}

/**
 * Reads the canonical line starting at `i` (bytes up to `end` are data). On success fills `parsed`
 * and returns the index of the `\n` that ends the line; -1 sends the line to the general path.
 */
export function parseCanonical(b: Uint8Array, start: number, end: number): number {
  // (exactlySpaced makes the DataView over `b` that both read through.)
  const nl = exactlySpaced(b, start, end);
  return nl >= 0 ? nl : anySpacing(b, start, end);
}

// The line exactly as the simulator and Python's json.dumps print it, one space after each `:` and
// `,` and none elsewhere, tried first: each separator-and-key is a fixed run of bytes compared as a
// few 32-bit words (overlapping at the end of a run whose length is no multiple of 4), with no
// call per token. Anything else (compact JSON, other spacing, a \r, a long line) is left to
// anySpacing, which accepts these lines too (test/actors/log-tailer-fast-parse.test.ts holds each
// path to checkLine's answer, and this one to taking the simulator's lines). Measured with
// bench/splitter.ts (1,000,000 simulator lines, 1% of them variants, one core, alternating runs):
// 1,240,000-1,550,000 lines/s before, 1,850,000-2,250,000 with it; a 217 MiB simulator file parsed
// alone, 460 MB/s before, 910 MB/s with it.
const word32 = (s: string, at: number): number =>
  (s.charCodeAt(at) | (s.charCodeAt(at + 1) << 8) | (s.charCodeAt(at + 2) << 16) | (s.charCodeAt(at + 3) << 24)) >>> 0;
/** A literal as the words at 0, 4, ... and one more ending at its last byte. */
const words = (s: string): number[] => [...Array.from({ length: s.length >> 2 }, (_, k) => word32(s, 4 * k)), word32(s, s.length - 4)];
const [H0, H1] = words('{"id": "');
const [S0, S1, S2, S3] = words(', "student_id": ');
const [L0, L1, L2, L3] = words(', "lesson_id": ');
const [P0, P1, P2, P3, P4] = words(', "passing_count": ');
const [F0, F1, F2, F3, F4] = words(', "failure_count": ');
const [C0, C1, C2, C3, C4] = words(', "created_at": "');
/** The shortest such line: a one-byte id and one-digit numbers, through its \n. */
const SHORTEST = 8 + 2 + 16 + 1 + 15 + 1 + 19 + 1 + 19 + 1 + 17 + 24 + 3;

/** Exported for its test only: parseCanonical is the parser. */
export function exactlySpaced(b: Uint8Array, start: number, end: number): number {
  if (b !== viewed) {
    view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    viewed = b;
  }
  const v = view;
  if (start + SHORTEST > end || v.getUint32(start, true) !== H0! || v.getUint32(start + 4, true) !== H1!) return -1;
  let i = start + 8;
  for (; i < end; i++) {
    const c = b[i]!;
    if (c === QUOTE) break;
    if (c < 0x20 || c > 0x7e || c === BACKSLASH) return -1;
  }
  // What follows the id's closing quote is at least the shortest line's rest.
  if (i === start + 8 || i + SHORTEST - 9 > end) return -1;
  i++;
  if (v.getUint32(i, true) !== S0! || v.getUint32(i + 4, true) !== S1! || v.getUint32(i + 8, true) !== S2! || v.getUint32(i + 12, true) !== S3!) return -1;
  if ((i = int(b, i + 16, end)) < 0) return -1;
  const student = num;
  if (i + 15 > end || v.getUint32(i, true) !== L0! || v.getUint32(i + 4, true) !== L1! || v.getUint32(i + 8, true) !== L2! || v.getUint32(i + 11, true) !== L3!) return -1;
  if ((i = int(b, i + 15, end)) < 0) return -1;
  const lesson = num;
  if (i + 19 > end || v.getUint32(i, true) !== P0! || v.getUint32(i + 4, true) !== P1! || v.getUint32(i + 8, true) !== P2! || v.getUint32(i + 12, true) !== P3! || v.getUint32(i + 15, true) !== P4!) return -1;
  if ((i = int(b, i + 19, end)) < 0) return -1;
  const passing = num;
  if (i + 19 > end || v.getUint32(i, true) !== F0! || v.getUint32(i + 4, true) !== F1! || v.getUint32(i + 8, true) !== F2! || v.getUint32(i + 12, true) !== F3! || v.getUint32(i + 15, true) !== F4!) return -1;
  if ((i = int(b, i + 19, end)) < 0) return -1;
  const failure = num;
  // The separator, the timestamp's 24 bytes, then `"}` and the \n.
  if (i + 17 + 27 > end || v.getUint32(i, true) !== C0! || v.getUint32(i + 4, true) !== C1! || v.getUint32(i + 8, true) !== C2! || v.getUint32(i + 12, true) !== C3! || v.getUint32(i + 13, true) !== C4!) return -1;
  i += 17;
  if (b[i + 24] !== QUOTE || b[i + 25] !== CLOSE || b[i + 26] !== NL || !timestamp(b, i)) return -1;
  if (i + 26 - start > MAX_LINE_BYTES) return -1;
  parsed.student = student;
  parsed.lesson = lesson;
  parsed.passing = passing;
  parsed.failure = failure;
  parsed.ms = stampMs;
  return i + 26;
}

/** The canonical keys in their order with any JSON spacing between tokens. */
function anySpacing(b: Uint8Array, start: number, end: number): number {
  let i = b[start] === OPEN ? ws(b, start + 1, end) : ch(b, start, end, OPEN);
  if (i < 0 || (i = field(b, i, end, SEGMENTS.id, ID, true)) < 0 || b[i] !== QUOTE) return -1;
  // The id: printable ASCII without quote or backslash, so that its JSON value is its bytes.
  const idStart = ++i;
  for (; i < end; i++) {
    const c = b[i]!;
    if (c === QUOTE) break;
    if (c < 0x20 || c > 0x7e || c === BACKSLASH) return -1;
  }
  if (i === idStart || i >= end) return -1;
  i++;
  if ((i = field(b, i, end, SEGMENTS.student, STUDENT)) < 0 || (i = int(b, i, end)) < 0) return -1;
  const student = num;
  if ((i = field(b, i, end, SEGMENTS.lesson, LESSON)) < 0 || (i = int(b, i, end)) < 0) return -1;
  const lesson = num;
  if ((i = field(b, i, end, SEGMENTS.passing, PASSING)) < 0 || (i = int(b, i, end)) < 0) return -1;
  const passing = num;
  if ((i = field(b, i, end, SEGMENTS.failure, FAILURE)) < 0 || (i = int(b, i, end)) < 0) return -1;
  const failure = num;
  if ((i = field(b, i, end, SEGMENTS.created, CREATED)) < 0 || b[i] !== QUOTE) return -1;
  i++;
  if (i + 27 > end || !timestamp(b, i)) return -1;
  i += 24;
  if (b[i] !== QUOTE) return -1;
  if ((i = ch(b, i + 1, end, CLOSE)) < 0 || i >= end || b[i] !== NL || i - start > MAX_LINE_BYTES) return -1;
  parsed.student = student;
  parsed.lesson = lesson;
  parsed.passing = passing;
  parsed.failure = failure;
  parsed.ms = stampMs;
  return i;
}
