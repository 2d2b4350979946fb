// When a source record is valid, in one place. CONTRACTS §1-§3 leave some calls to make (is a
// created_at in the wrong format "of the wrong type"? where does 64 KiB end? is "  " a blank
// line?). The ledger, expected() and the simulator's tests make them as written here, and the
// pipeline's validation must agree on every record the simulator produces: its tests can import
// these functions and hold its own validation to them over the simulator's output.
//
// The simulator never produces a record whose class depends on a call CONTRACTS does not make.
// Never produced, so the pipeline may decide them otherwise than these functions do: counts or ids
// that are JSON numbers but not integers (1.5), an empty string id, student_id or lesson_id <= 0, a
// log line's created_at that is a string in another format, a line of only white space, a line
// within a few bytes of 64 KiB, a JSON key given twice, extra keys in a batch, two lines with one
// id but different content (a repeated id always repeats the whole line, terminator included).
//
// Calls made, each produced by the simulator:
// - Timestamps are YYYY-MM-DDTHH:MM:SS.sssZ naming a real instant, in all three sources
//   (CONTRACTS: "everywhere"); a student row whose created_at is TEXT in another format breaks §2.
// - A log line's length is its bytes without its `\n` or `\r\n`; over 65,536 is bad, whatever
//   it holds (the simulator's are about 70,000 bytes and otherwise valid).
// - Blank means empty once the terminator is removed (`\n` alone, or `\r\n`).
// - A rejected record is counted once. A batch served invalid is served again on every re-read of
//   its window; no two invalid batches are served with the same JSON, nor two bad lines with the
//   same text, so counting distinct raw text and counting records agree.
// - A late batch is at most LATE_BATCH_MAX_MS before the newest created_at served, that bound
//   included: a client re-reading `after = newest - LATE_BATCH_MAX_MS - 1` sees every one.

export const TIMESTAMP_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
export const MAX_LINE_BYTES = 65_536;
export const LATE_BATCH_MAX_MS = 60_000;

export function isTimestamp(v: unknown): v is string {
  if (typeof v !== 'string' || !TIMESTAMP_RE.test(v)) return false;
  const ms = Date.parse(v);
  return !Number.isNaN(ms) && new Date(ms).toISOString() === v;
}

export function isDate(v: unknown): v is string {
  return typeof v === 'string' && DATE_RE.test(v) && isTimestamp(`${v}T00:00:00.000Z`);
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/** Why one entry of a 200 page's `batches` is invalid (§1), or null when it is valid. */
export function batchProblem(b: unknown): string | null {
  if (typeof b !== 'object' || b === null || Array.isArray(b)) return 'not an object';
  const o = b as Record<string, unknown>;
  if (!isInt(o['id']) || o['id'] <= 0) return 'id is not a positive integer';
  if (typeof o['name'] !== 'string' || o['name'] === '') return 'name is not a non-empty string';
  if (o['start_date'] !== null && !isDate(o['start_date'])) return 'start_date is neither null nor YYYY-MM-DD';
  if (!isTimestamp(o['created_at'])) return 'created_at is not YYYY-MM-DDTHH:MM:SS.sssZ';
  return null;
}

/** Why a students row, as better-sqlite3 returns it, breaks §2, or null when it does not. */
export function studentProblem(row: Record<string, unknown>): string | null {
  if (!isInt(row['id'])) return 'id is not an INTEGER';
  if (typeof row['name'] !== 'string') return 'name is not TEXT';
  if (row['email'] !== null && typeof row['email'] !== 'string') return 'email is neither TEXT nor NULL';
  if (!isInt(row['batch_id'])) return 'batch_id is not an INTEGER';
  if (!isTimestamp(row['created_at'])) return 'created_at is not YYYY-MM-DDTHH:MM:SS.sssZ';
  return null;
}

export interface ParsedRun {
  id: string;
  student_id: number;
  lesson_id: number;
  passing_count: number;
  failure_count: number;
  created_at: string;
}

export type LineClass = { kind: 'blank' } | { kind: 'run'; run: ParsedRun } | { kind: 'bad'; reason: string };

/** What a reader must make of one complete line of the log (§3), given without its `\n`. */
export function classifyLine(line: string): LineClass {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (text === '') return { kind: 'blank' };
  if (Buffer.byteLength(text) > MAX_LINE_BYTES) return { kind: 'bad', reason: `line over ${MAX_LINE_BYTES} bytes` };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { kind: 'bad', reason: 'not JSON' };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { kind: 'bad', reason: 'not a JSON object' };
  const o = v as Record<string, unknown>;
  for (const f of ['id', 'student_id', 'lesson_id', 'passing_count', 'failure_count', 'created_at'] as const) {
    if (!Object.hasOwn(o, f)) return { kind: 'bad', reason: `field '${f}' missing` };
  }
  if (typeof o['id'] !== 'string' || o['id'] === '') return { kind: 'bad', reason: 'id is not a non-empty string' };
  for (const f of ['student_id', 'lesson_id', 'passing_count', 'failure_count'] as const) {
    if (!isInt(o[f])) return { kind: 'bad', reason: `${f} is not an integer` };
  }
  if ((o['passing_count'] as number) < 0 || (o['failure_count'] as number) < 0) return { kind: 'bad', reason: 'negative count' };
  if (!isTimestamp(o['created_at'])) return { kind: 'bad', reason: 'created_at is not YYYY-MM-DDTHH:MM:SS.sssZ' };
  const run = o as unknown as ParsedRun;
  return {
    kind: 'run',
    run: { id: run.id, student_id: run.student_id, lesson_id: run.lesson_id, passing_count: run.passing_count, failure_count: run.failure_count, created_at: run.created_at },
  };
}
