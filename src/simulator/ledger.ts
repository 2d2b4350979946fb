// The ledger: everything the simulator has produced, recorded as it is handed to a source, so that
// a test can compute the warehouse batchboard should reach (expected.ts) without the pipeline's
// code. Valid records are kept compactly (tables.ts); rejected ones, which are rare, one by one.
import { createHash } from 'node:crypto';
import { IsoFormatter, studentEmail, studentName } from './names.ts';
import { RunTable, StudentTable } from './tables.ts';

export interface LedgerBatch {
  id: number;
  name: string;
  start_date: string | null;
  created_at: string;
}

export const INVALID_BATCH_KINDS = ['name-empty', 'name-missing', 'start-date-format', 'created-at-format', 'id-string', 'id-not-positive'] as const;
/**
 * Served only on request, never drawn at random: an id past 2^53, written as an exact JSON number
 * (raw.id is a bigint), which a client's JSON.parse would round to another number.
 */
export const ON_DEMAND_BATCH_KINDS = ['id-past-2^53'] as const;
export type InvalidBatchKind = (typeof INVALID_BATCH_KINDS)[number] | (typeof ON_DEMAND_BATCH_KINDS)[number];

export interface RejectedBatch {
  /** The position the API sorts it by; the served `id` field may differ (that is the fault). */
  id: number;
  kind: InvalidBatchKind;
  reason: string;
  /** Exactly what the API serves in the page. */
  raw: Record<string, unknown>;
}

export interface StudentRecord {
  id: number;
  name: string;
  email: string | null;
  batch_id: number;
  created_at: string;
}

export const INVALID_STUDENT_KINDS = ['batch-id-text', 'batch-id-real', 'name-blob', 'created-at-format'] as const;
export type InvalidStudentKind = (typeof INVALID_STUDENT_KINDS)[number];

export interface RejectedStudent {
  id: number;
  kind: InvalidStudentKind;
  reason: string;
  /** The row as inserted (a blob name as a Uint8Array). */
  row: { id: number; name: string | Uint8Array; email: string | null; batch_id: number | string; created_at: string };
}

export const BAD_LINE_KINDS = ['not-json', 'missing-field', 'wrong-type', 'negative-count', 'too-long'] as const;
export type BadLineKind = (typeof BAD_LINE_KINDS)[number];

export interface BadLine {
  /** 0-based number of the line among all lines written to the log (across rotations). */
  line: number;
  kind: BadLineKind;
  reason: string;
  /** The `id` it carries, when it carries a string one. */
  id: string | null;
  /** The line's first 200 characters, without its newline. */
  text: string;
  /** Its length in bytes, newline included. */
  bytes: number;
}

export const LINE_VARIANTS = ['crlf', 'key-order', 'extra-keys', 'whitespace', 'blank-line'] as const;
export type LineVariant = (typeof LINE_VARIANTS)[number];

export interface TestRun {
  id: string;
  student_id: number;
  lesson_id: number;
  passing_count: number;
  failure_count: number;
}

/** Lines `[fromLine, toLine)` were in the log when it was truncated; among them the first writes of runs `[firstRun, endRun)`. */
export interface Truncation {
  fromLine: number;
  toLine: number;
  firstRun: number;
  endRun: number;
}

/** Test run `index` (0-based) has the id `tr-000000001` for index 0. */
export function runIdOf(index: number): string {
  return 'tr-' + String(index + 1).padStart(9, '0');
}

export class Ledger {
  /** The latest valid version of every batch served (a batch served again replaces its entry). */
  readonly batches = new Map<number, LedgerBatch>();
  /** Every valid batch version, in the order they were served (a batch served again is here twice). */
  readonly published: LedgerBatch[] = [];
  readonly rejectedBatches: RejectedBatch[] = [];
  readonly students = new StudentTable();
  readonly rejectedStudents: RejectedStudent[] = [];
  /** Valid, distinct test runs, each recorded when its first line was written. */
  readonly runs = new RunTable();
  /** Lines that repeat an earlier valid line: the run's index and the line's number. */
  readonly duplicates: { run: number; line: number }[] = [];
  readonly badLines: BadLine[] = [];
  readonly variants: Record<LineVariant, number> = { 'crlf': 0, 'key-order': 0, 'extra-keys': 0, 'whitespace': 0, 'blank-line': 0 };
  splitLines = 0;
  /** Lines written to the log so far, every kind counted (blank, bad, duplicate). */
  lines = 0;
  /** The log was renamed after `line` lines (and `run` runs) had been written. */
  readonly rotations: { line: number; run: number }[] = [];
  readonly truncations: Truncation[] = [];
  private fileFirstLine = 0;
  private fileFirstRun = 0;
  private readonly iso = new IsoFormatter();

  constructor(readonly seed: number) {}

  batchPublished(b: LedgerBatch): void {
    this.batches.set(b.id, b);
    this.published.push(b);
  }

  batchRejected(r: RejectedBatch): void {
    this.rejectedBatches.push(r);
  }

  studentInserted(id: number, batchId: number, createdMs: number): void {
    this.students.push(id, batchId, createdMs);
  }

  studentRejected(r: RejectedStudent): void {
    this.rejectedStudents.push(r);
  }

  /** Records a valid test run's first line; returns its index. */
  runWritten(studentId: number, lessonId: number, passing: number, failure: number): number {
    this.lines++;
    return this.runs.push(studentId, lessonId, passing, failure);
  }

  duplicateWritten(run: number): void {
    this.duplicates.push({ run, line: this.lines++ });
  }

  badLineWritten(b: Omit<BadLine, 'line'>): BadLine {
    const rec = { line: this.lines++, ...b };
    this.badLines.push(rec);
    return rec;
  }

  blankLineWritten(): void {
    this.lines++;
    this.variants['blank-line']++;
  }

  rotated(): void {
    this.rotations.push({ line: this.lines, run: this.runs.length });
    this.fileFirstLine = this.lines;
    this.fileFirstRun = this.runs.length;
  }

  truncated(): void {
    this.truncations.push({ fromLine: this.fileFirstLine, toLine: this.lines, firstRun: this.fileFirstRun, endRun: this.runs.length });
    this.fileFirstLine = this.lines;
    this.fileFirstRun = this.runs.length;
  }

  run(index: number): TestRun {
    const r = this.runs;
    return { id: runIdOf(index), student_id: r.studentId(index), lesson_id: r.lessonId(index), passing_count: r.passing(index), failure_count: r.failure(index) };
  }

  student(index: number): StudentRecord {
    const s = this.students;
    const id = s.studentId(index);
    return { id, name: studentName(this.seed, id), email: studentEmail(this.seed, id), batch_id: s.batchId(index), created_at: this.iso.format(s.createdMs(index)) };
  }

  *studentRecords(): Generator<StudentRecord> {
    for (let i = 0; i < this.students.length; i++) yield this.student(i);
  }

  counts(): LedgerCounts {
    return {
      batches: this.batches.size,
      batchVersions: this.published.length,
      rejectedBatches: this.rejectedBatches.length,
      students: this.students.length,
      rejectedStudents: this.rejectedStudents.length,
      testRuns: this.runs.length,
      duplicateLines: this.duplicates.length,
      badLines: this.badLines.length,
      blankLines: this.variants['blank-line'],
      splitLines: this.splitLines,
      lines: this.lines,
      rotations: this.rotations.length,
      truncations: this.truncations.length,
    };
  }

  /** A SHA-256 over every record (not timings): equal for two runs of the same seed and steps. */
  fingerprint(): string {
    const h = createHash('sha256');
    const json = (v: unknown) => h.update(JSON.stringify(v, (_k, x) => (x instanceof Uint8Array ? Buffer.from(x).toString('hex') : typeof x === 'bigint' ? String(x) : x)) + '\n');
    json(this.published);
    json([this.rejectedBatches, this.rejectedStudents, this.duplicates, this.badLines]);
    json([this.variants, this.splitLines, this.lines, this.rotations, this.truncations]);
    for (const c of this.students.chunks()) for (const a of [c.id, c.batchId, c.createdMs]) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    for (const c of this.runs.chunks()) {
      for (const a of [c.studentId, c.lessonId, c.passing, c.failure]) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    }
    return h.digest('hex');
  }
}

export interface LedgerCounts {
  batches: number;
  batchVersions: number;
  rejectedBatches: number;
  students: number;
  rejectedStudents: number;
  testRuns: number;
  duplicateLines: number;
  badLines: number;
  blankLines: number;
  splitLines: number;
  lines: number;
  rotations: number;
  truncations: number;
}
