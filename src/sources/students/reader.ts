// Read-only access to the source `students` table (CONTRACTS §2). The file belongs to another
// process: it is opened read-only, never written, its journal mode never touched (WAL or rollback
// journal both work), and no read transaction outlives one short statement. Every statement here
// is bounded (a LIMIT or an id range of at most a few tens of thousands of rows; measured on 1M
// rows: 1-2 ms to count or step over 50k ids, ~1 ms to read 1,000 full rows), and better-sqlite3's
// `all()`/`get()` run a statement to its end and reset it, which ends its implicit read transaction.
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { cutRaw, type Rejected, type Student } from '../../domain/records.ts';
import { checkStudent, isTimestamp } from '../../domain/validate.ts';
import { stringifyExact } from '../../domain/json-exact.ts';
import { studentRejectKey } from '../../domain/keys.ts';
import { SourceError } from '../errors.ts';

export type Row = Record<string, unknown>;

const COLUMNS = ['id', 'name', 'email', 'batch_id', 'created_at'] as const;
/** Ids stepped over, counted or listed by one statement: ~1 ms each on 1M rows. */
export const RANGE_IDS = 50_000;
/** Ids listed by one statement (listing costs more than counting: ~1.5 ms for 10k). */
const LIST_IDS = 10_000;
/** A reader waits this long for a rollback-journal writer's commit before giving up with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 10;

/** SQLITE_BUSY or SQLITE_LOCKED (and their extended codes): a writer is committing; try again. */
export const isBusy = (err: unknown): boolean => err instanceof Database.SqliteError && /^SQLITE_(BUSY|LOCKED)/.test(err.code);

export class StudentsReader {
  private readonly st: ReturnType<typeof prepare>;

  private constructor(
    readonly path: string,
    private readonly db: Database.Database,
    private readonly identity: { dev: number; ino: number },
  ) {
    this.st = prepare(db);
  }

  /**
   * Opens `path` read-only. Throws SourceError naming the file and what is wrong with it, or the
   * SqliteError SQLITE_BUSY when a rollback-journal writer holds it locked (try again).
   */
  static open(path: string): StudentsReader {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new SourceError(code === 'ENOENT' ? `students database ${path} does not exist` : `students database ${path} cannot be read: ${(err as Error).message}`);
    }
    if (!stat.isFile()) throw new SourceError(`students database ${path} is not a file`);
    let db: Database.Database;
    try {
      db = new Database(path, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
    } catch (err) {
      throw new SourceError(`students database ${path} cannot be opened: ${(err as Error).message}`);
    }
    try {
      checkSchema(db, path);
      return new StudentsReader(path, db, { dev: stat.dev, ino: stat.ino });
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** Changes whenever another connection has committed since the last call: a poll costs microseconds. */
  dataVersion(): number {
    return this.st.dataVersion.get() as number;
  }

  /**
   * Up to `limit` rows with `hwm` < id <= MAX_SAFE_INTEGER, in id order. Read as numbers (a bigint
   * per value cost most of the reading: 0.7 s for 100,000 rows against 0.1 s); a row with an
   * integer no number holds (a batch_id past 2^53, which a number shows rounded) is read again,
   * exactly.
   */
  rowsAfter(hwm: number, limit: number): Row[] {
    const rows = this.st.rowsAfter.all(hwm, limit) as Row[];
    for (let i = 0; i < rows.length; i++) {
      const b = rows[i]!['batch_id'];
      if (typeof b === 'number' && Number.isInteger(b) && !Number.isSafeInteger(b)) rows[i] = exactRows([this.st.rowById.get(rows[i]!['id']) as Row])[0]!;
    }
    return rows;
  }

  /** rowsAfter's rows as arrays, in the columns' order (id, name, email, batch_id, created_at), as SQLite gives them. */
  rawAfter(hwm: number, limit: number): unknown[][] {
    return this.st.rawAfter.all(hwm, limit) as unknown[][];
  }

  /** The rows of these ids (those that exist), in the order given. */
  rowsByIds(ids: readonly number[]): Row[] {
    const out: Row[] = [];
    for (const id of ids) {
      const row = this.st.rowById.get(id) as Row | undefined;
      if (row !== undefined) out.push(row);
    }
    return exactRows(out);
  }

  /**
   * Up to `limit` rows whose id is past ±MAX_SAFE_INTEGER (each one a rejection: no JavaScript
   * number holds it), after `after` in the order negatives first, ascending; ids come as bigint,
   * exact. Every other statement here leaves these ids out, so that they never move the
   * high-water mark or the counts that find back-fills.
   */
  unsafeRows(after: bigint | null, limit: number): Row[] {
    const below = after === null || after < 0n ? (this.st.unsafeBelow.all(after ?? -Infinity, limit) as Row[]) : [];
    const rest = limit - below.length;
    const above = rest > 0 ? (this.st.unsafeAbove.all(after === null || after < 0n ? BigInt(Number.MAX_SAFE_INTEGER) : after, rest) as Row[]) : [];
    return exactRows([...below, ...above]);
  }

  /**
   * The `n`-th id (1-based) with `after` < id <= `upTo`, or null when fewer are there: one range
   * of a reconciliation, which steps over at most `n` rows.
   */
  nthId(after: number, upTo: number, n: number): number | null {
    return (this.st.nthId.get(after, upTo, n - 1) as number | undefined) ?? null;
  }

  /** How many ids with `after` < id <= `upTo`; keep the range to about RANGE_IDS rows. */
  count(after: number, upTo: number): number {
    return this.st.count.get(after, upTo) as number;
  }

  /** The ids with `after` < id <= `upTo`, ascending, listed in statements of LIST_IDS. */
  ids(after: number, upTo: number): number[] {
    const out: number[] = [];
    let from = after;
    for (;;) {
      const chunk = this.st.ids.all(from, upTo, LIST_IDS) as number[];
      for (const id of chunk) out.push(id);
      if (chunk.length < LIST_IDS) return out;
      from = chunk[chunk.length - 1]!;
    }
  }

  /** Rows with id > `hwm`, counted up to `cap` (a bounded statement whatever the lag). */
  countAbove(hwm: number, cap: number): number {
    return this.st.countAbove.get(hwm, cap) as number;
  }

  /**
   * Whether the path still names the file opened: an open connection keeps reading a file that was
   * deleted or replaced, and would never see another commit. Null when it does.
   */
  moved(): 'missing' | 'replaced' | null {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(this.path);
    } catch {
      return 'missing';
    }
    return stat.dev === this.identity.dev && stat.ino === this.identity.ino ? null : 'replaced';
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

// Ids a JavaScript number holds exactly. Rows outside are read by unsafeRows() alone.
const SAFE = `id BETWEEN ${-Number.MAX_SAFE_INTEGER} AND ${Number.MAX_SAFE_INTEGER}`;

function prepare(db: Database.Database) {
  const cols = COLUMNS.join(', ');
  return {
    dataVersion: db.prepare('PRAGMA data_version').pluck(),
    // safeIntegers: an INTEGER past 2^53 (an id, a batch_id) comes as an exact bigint, not rounded.
    rowsAfter: db.prepare(`SELECT ${cols} FROM students WHERE id > ? AND ${SAFE} ORDER BY id LIMIT ?`),
    rowById: db.prepare(`SELECT ${cols} FROM students WHERE id = ?`).safeIntegers(true),
    rawAfter: db.prepare(`SELECT ${cols} FROM students WHERE id > ? AND ${SAFE} ORDER BY id LIMIT ?`).raw(),
    unsafeBelow: db.prepare(`SELECT ${cols} FROM students WHERE id > ? AND id < ${-Number.MAX_SAFE_INTEGER} ORDER BY id LIMIT ?`).safeIntegers(true),
    unsafeAbove: db.prepare(`SELECT ${cols} FROM students WHERE id > ? AND id > ${Number.MAX_SAFE_INTEGER} ORDER BY id LIMIT ?`).safeIntegers(true),
    nthId: db.prepare(`SELECT id FROM students WHERE id > ? AND id <= ? AND ${SAFE} ORDER BY id LIMIT 1 OFFSET ?`).pluck(),
    count: db.prepare(`SELECT count(*) FROM students WHERE id > ? AND id <= ? AND ${SAFE}`).pluck(),
    ids: db.prepare(`SELECT id FROM students WHERE id > ? AND id <= ? AND ${SAFE} ORDER BY id LIMIT ?`).pluck(),
    countAbove: db.prepare(`SELECT count(*) FROM (SELECT 1 FROM students WHERE id > ? AND ${SAFE} LIMIT ?)`).pluck(),
  };
}

/** Rows read with safeIntegers: every integer a number again where a number holds it exactly. */
function exactRows(rows: Row[]): Row[] {
  for (const row of rows) {
    for (const k in row) {
      const v = row[k];
      if (typeof v === 'bigint' && v >= MIN_SAFE && v <= MAX_SAFE) row[k] = Number(v);
    }
  }
  return rows;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;

function checkSchema(db: Database.Database, path: string): void {
  let info: { name: string; pk: number; type: string }[];
  try {
    info = db.pragma('table_info(students)') as typeof info;
  } catch (err) {
    // A writer committing in rollback-journal mode: not a fault of the file; the caller retries.
    if (isBusy(err)) throw err;
    // A file that is not SQLite fails here, on the first read (SQLITE_NOTADB).
    throw new SourceError(`students database ${path} cannot be read as SQLite: ${(err as Error).message}`);
  }
  if (info.length === 0) throw new SourceError(`students database ${path} has no students table`);
  const names = new Set(info.map((c) => c.name));
  const missing = COLUMNS.filter((c) => !names.has(c));
  if (missing.length > 0) throw new SourceError(`students database ${path}: table students lacks column(s) ${missing.join(', ')}`);
  // Every statement here reads by id range; without the id as key each would scan the whole table.
  const id = info.find((c) => c.name === 'id')!;
  if (id.pk !== 1 || id.type.toUpperCase() !== 'INTEGER' || info.some((c) => c.pk > 1)) {
    throw new SourceError(`students database ${path}: students.id is not the INTEGER PRIMARY KEY`);
  }
}

/**
 * A row as JSON text for `rejected_records.raw`. A BLOB (better-sqlite3 gives a Buffer) is written
 * as `{"blob_base64": "..."}`, so that it cannot be taken for a TEXT value.
 */
export function rawOf(row: Row): string {
  const plain: Row = {};
  for (const [k, v] of Object.entries(row)) {
    plain[k] = v instanceof Uint8Array ? { blob_base64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') } : v;
  }
  // A bigint (an INTEGER past 2^53) is written as the exact number it is.
  return cutRaw(stringifyExact(plain) ?? '');
}

/** Validates source rows: each becomes a Student or a Rejected keyed by its id. */
export function checkRows(rows: readonly Row[]): { students: Student[]; rejected: Rejected[] } {
  const students: Student[] = [];
  const rejected: Rejected[] = [];
  for (const row of rows) {
    const c = checkStudent(row);
    if (c.ok) students.push(c.value);
    else rejected.push({ source: 'students', reason: c.reason, raw: rawOf(row), key: studentRejectKey(row['id'] as number | bigint) });
  }
  return { students, rejected };
}

/**
 * Everything the table holds now, for `rebuild`: read in id order, one short statement per chunk.
 * `hwm` is the highest id read (0 for an empty table) and `known` every id read, ascending.
 */
export async function readAllStudents(path: string, chunk = 5_000): Promise<{ students: Student[]; rejected: Rejected[]; hwm: number; known: Float64Array }> {
  const reader = StudentsReader.open(path);
  try {
    const students: Student[] = [];
    const rejected: Rejected[] = [];
    let known = new Float64Array(1024);
    let n = 0;
    let hwm = 0;
    // Ids at or below 0 are rows too: the first statement starts below every id.
    let after = -Infinity;
    for (;;) {
      // As arrays, a Student made here for every row that is plainly valid (the common case: half
      // the time of better-sqlite3's row objects); any other row goes through checkRows.
      const rows = reader.rawAfter(after, chunk);
      for (const r of rows) {
        const [id, name, email, batchId, createdAt] = r as [number, unknown, unknown, unknown, unknown];
        if (typeof name === 'string' && (email === null || typeof email === 'string') && typeof batchId === 'number' && Number.isSafeInteger(batchId) && isTimestamp(createdAt)) {
          students.push({ id, name, email, batch_id: batchId, created_at: createdAt });
        } else {
          const c = checkRows(reader.rowsByIds([id]));
          for (const s of c.students) students.push(s);
          for (const x of c.rejected) rejected.push(x);
        }
      }
      if (n + rows.length > known.length) {
        const grown = new Float64Array(Math.max(known.length * 2, n + rows.length));
        grown.set(known.subarray(0, n));
        known = grown;
      }
      for (const row of rows) known[n++] = row[0] as number;
      if (rows.length > 0) {
        after = rows[rows.length - 1]![0] as number;
        hwm = Math.max(hwm, after);
      }
      if (rows.length < chunk) break;
      // Between statements the thread does its other work: the parallel scan's tasks are dispatched
      // from it and the API's pages are read by it. Chunks of 5,000 rows (about 10 ms): with 20,000,
      // the 10 pages of 1,000 batches were not all read by the end, and `rebuild` waited 30-45 ms more.
      await new Promise((resolve) => setImmediate(resolve));
    }
    // Ids past ±2^53: rejected, exactly as they are, and neither known nor the high-water mark.
    for (let past: bigint | null = null; ; ) {
      const rows = reader.unsafeRows(past, chunk);
      for (const r of checkRows(rows).rejected) rejected.push(r);
      if (rows.length < chunk) break;
      past = rows[rows.length - 1]!['id'] as bigint;
    }
    return { students, rejected, hwm, known: known.slice(0, n) };
  } finally {
    reader.close();
  }
}
