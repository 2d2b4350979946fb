// Validation at the edges, written from CONTRACTS §1-§3: one function per source record, each
// returning the record or the reason it is rejected. Pure: no I/O.
import type { Batch, Student, TestRun } from './records.ts';
import { ExactNumber, mayHoldInexact, parseJsonExact } from './json-exact.ts';

export const TIMESTAMP_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
/** §3: a line over 64 KiB (its bytes without the terminator) is bad. */
export const MAX_LINE_BYTES = 65_536;

const DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const d2 = (s: string, i: number): number => (s.charCodeAt(i) - 48) * 10 + s.charCodeAt(i + 1) - 48;

/**
 * An ISO-8601 UTC timestamp with milliseconds that names a real instant (what `new Date(v)`
 * gives back unchanged by toISOString(): no 24:00, no :60, no 02-30). Checked on the characters:
 * the Date round trip cost 1 µs a line, most of the log tailer's time (measured, bench/freshness.ts).
 */
export function isTimestamp(v: unknown): v is string {
  if (typeof v !== 'string' || !TIMESTAMP_RE.test(v)) return false;
  return validDateTime(v);
}

function validDateTime(v: string): boolean {
  const year = d2(v, 0) * 100 + d2(v, 2);
  const month = d2(v, 5);
  const day = d2(v, 8);
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > DAYS[month]! + (leap ? 1 : 0)) return false;
  return d2(v, 11) <= 23 && d2(v, 14) <= 59 && d2(v, 17) <= 59;
}

export function isDate(v: unknown): v is string {
  return typeof v === 'string' && DATE_RE.test(v) && validDateTime(`${v}T00:00:00.000Z`);
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/**
 * An integer field that is not a safe integer, named with its value as written: an ExactNumber
 * (a JSON number JSON.parse would round) or a bigint (an SQLite INTEGER read exactly). Null for
 * anything else, which gets the field's usual reason.
 */
function unsafeInteger(field: string, v: unknown): string | null {
  if (v instanceof ExactNumber || typeof v === 'bigint') {
    return `${field} ${String(v)} is not an integer within ±${Number.MAX_SAFE_INTEGER} (it cannot be held exactly)`;
  }
  return null;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

const bad = <T>(reason: string): Checked<T> => ({ ok: false, reason });

/** One entry of a 200 page's `batches` array (§1). */
export function checkBatch(b: unknown): Checked<Batch> {
  if (typeof b !== 'object' || b === null || Array.isArray(b)) return bad('not an object');
  const o = b as Record<string, unknown>;
  if (!isInt(o['id']) || o['id'] <= 0) return bad(unsafeInteger('id', o['id']) ?? 'id is not a positive integer');
  if (typeof o['name'] !== 'string' || o['name'] === '') return bad('name is not a non-empty string');
  const startDate = o['start_date'] ?? null;
  if (startDate !== null && !isDate(startDate)) return bad('start_date is neither null nor YYYY-MM-DD');
  if (!isTimestamp(o['created_at'])) return bad('created_at is not YYYY-MM-DDTHH:MM:SS.sssZ');
  return { ok: true, value: { id: o['id'], name: o['name'], start_date: startDate as string | null, created_at: o['created_at'] } };
}

/** An SQLite INTEGER read exactly (a bigint) that a number holds: as that number. */
const exact = (v: unknown): unknown => (typeof v === 'bigint' && v >= -MAX_SAFE && v <= MAX_SAFE ? Number(v) : v);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** One row of the source `students` table, as better-sqlite3 returns it (§2), integers as numbers or exact bigints. */
export function checkStudent(row: Record<string, unknown>): Checked<Student> {
  const id = exact(row['id']);
  if (!isInt(id)) return bad(unsafeInteger('id', id) ?? 'id is not an INTEGER');
  if (typeof row['name'] !== 'string') return bad('name is not TEXT');
  const email = row['email'] ?? null;
  if (email !== null && typeof email !== 'string') return bad('email is neither TEXT nor NULL');
  const batchId = exact(row['batch_id']);
  if (!isInt(batchId)) return bad(unsafeInteger('batch_id', batchId) ?? 'batch_id is not an INTEGER');
  if (!isTimestamp(row['created_at'])) return bad('created_at is not YYYY-MM-DDTHH:MM:SS.sssZ');
  return { ok: true, value: { id, name: row['name'], email, batch_id: batchId, created_at: row['created_at'] } };
}

export type LineResult = { kind: 'blank' } | { kind: 'run'; run: TestRun } | { kind: 'bad'; reason: string };

const BLANK: LineResult = { kind: 'blank' };

/**
 * One complete line of the log (§3), without its `\n`; a trailing `\r` is dropped. `bytes` is the
 * line's length in bytes when the caller knows it (it saves measuring).
 */
export function checkLine(line: string, bytes = -1): LineResult {
  const text = line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
  if (text.length === 0) return BLANK;
  // A string of n UTF-16 units has between n and 3n bytes: measure only when it could be over.
  if (text.length * 3 > MAX_LINE_BYTES) {
    const n = bytes >= 0 ? bytes - (text.length < line.length ? 1 : 0) : Buffer.byteLength(text);
    if (n > MAX_LINE_BYTES) return { kind: 'bad', reason: `line over ${MAX_LINE_BYTES} bytes` };
  }
  let v: unknown;
  try {
    // A number JSON.parse would round (an id past 2^53) is kept as written, to be rejected as such.
    v = mayHoldInexact(text) ? parseJsonExact(text) : JSON.parse(text);
  } catch {
    return { kind: 'bad', reason: 'not JSON' };
  }
  return checkRun(v);
}

/** A parsed log line's value (§3). */
export function checkRun(v: unknown): LineResult {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { kind: 'bad', reason: 'not a JSON object' };
  const o = v as Record<string, unknown>;
  const id = o['id'];
  const student = o['student_id'];
  const lesson = o['lesson_id'];
  const passing = o['passing_count'];
  const failure = o['failure_count'];
  const created = o['created_at'];
  if (id === undefined) return missing(o, 'id');
  if (student === undefined) return missing(o, 'student_id');
  if (lesson === undefined) return missing(o, 'lesson_id');
  if (passing === undefined) return missing(o, 'passing_count');
  if (failure === undefined) return missing(o, 'failure_count');
  if (created === undefined) return missing(o, 'created_at');
  if (typeof id !== 'string' || id === '') return { kind: 'bad', reason: 'id is not a non-empty string' };
  if (!isInt(student)) return { kind: 'bad', reason: unsafeInteger('student_id', student) ?? 'student_id is not an integer' };
  if (!isInt(lesson)) return { kind: 'bad', reason: unsafeInteger('lesson_id', lesson) ?? 'lesson_id is not an integer' };
  if (!isInt(passing)) return { kind: 'bad', reason: unsafeInteger('passing_count', passing) ?? 'passing_count is not an integer' };
  if (!isInt(failure)) return { kind: 'bad', reason: unsafeInteger('failure_count', failure) ?? 'failure_count is not an integer' };
  if (passing < 0 || failure < 0) return { kind: 'bad', reason: 'negative count' };
  if (!isTimestamp(created)) return { kind: 'bad', reason: 'created_at is not YYYY-MM-DDTHH:MM:SS.sssZ' };
  return { kind: 'run', run: { id, student_id: student, lesson_id: lesson, passing_count: passing, failure_count: failure, created_at: created } };
}

// `undefined` may also be a key present with no JSON value, which JSON cannot hold: so it is missing.
function missing(o: Record<string, unknown>, field: string): LineResult {
  return { kind: 'bad', reason: Object.hasOwn(o, field) ? `${field} is not valid` : `field '${field}' missing` };
}
