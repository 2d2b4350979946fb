// Students: ids that mostly increase (with the odd gap, as sequences have), spread unevenly over
// batches, and the hard cases of CONTRACTS §2: back-filled ids below the high-water mark, rows that
// break the types, students whose batch is not served yet. Also each valid student's progress
// through the lessons, which the test runs advance.
import type { BatchGen } from './gen-batches.ts';
import type { GenContext } from './context.ts';
import { INVALID_STUDENT_KINDS, type InvalidStudentKind, type RejectedStudent, type StudentRecord } from './ledger.ts';
import { IsoFormatter, studentEmail, studentName } from './names.ts';
import { Rng } from './rng.ts';
import type { StudentRow } from './students-writer.ts';

/** One id in a hundred is skipped (1-3 ids), leaving room for back-fills below the high-water mark. */
const GAP_RATE = 0.01;
/** Students who never pass anything. */
const NEVER_PASS_RATE = 0.03;

/** Failing runs before a pass: none a fifth of the time, else 1 + an exponential tail (mean ~2). */
export function drawFails(r: Rng): number {
  if (r.chance(0.2)) return 0;
  return Math.min(20, 1 + Math.floor(-Math.log(1 - r.float()) * 1.8));
}

export class StudentGen {
  nextId = 1;
  readonly holes: number[] = [];
  private readonly rng: Rng;
  private readonly iso = new IsoFormatter();
  /** Valid students, in insertion order, with their progress; runs pick from the first `count`. */
  count = 0;
  ids: Int32Array;
  createdMs: Float64Array;
  lesson: Uint16Array;
  failLeft: Uint8Array;
  neverPass: Uint8Array;

  constructor(
    private readonly ctx: GenContext,
    private readonly batches: BatchGen,
    capacity: number,
  ) {
    this.rng = new Rng(ctx.seed, 'students');
    const cap = Math.max(1024, capacity);
    this.ids = new Int32Array(cap);
    this.createdMs = new Float64Array(cap);
    this.lesson = new Uint16Array(cap);
    this.failLeft = new Uint8Array(cap);
    this.neverPass = new Uint8Array(cap);
  }

  /** The history: `n` rows over [t0, t1), invalid and early ones at their rates. */
  history(n: number, t0: number, t1: number): void {
    const r = this.rng;
    const f = this.ctx.faults;
    const step = (t1 - t0) / Math.max(n, 1);
    for (let i = 0; i < n; i++) {
      const t = Math.floor(t0 + (i + r.float()) * step);
      if (r.chance(f['invalid-students'])) this.invalid(undefined, t);
      else if (r.chance(f['early-students'])) this.add(t, this.batches.futureId(r));
      else this.add(t);
    }
  }

  /** One live student event, each hard case drawn at its rate. */
  event(): void {
    const r = this.rng;
    const f = this.ctx.faults;
    if (r.chance(f['backfill-students']) && this.holes.length > 0) this.backfill();
    else if (r.chance(f['invalid-students'])) this.invalid();
    else if (r.chance(f['early-students'])) this.early();
    else this.add();
  }

  private allocate(): number {
    if (this.rng.chance(GAP_RATE)) {
      const skip = this.rng.between(1, 3);
      for (let i = 0; i < skip; i++) this.holes.push(this.nextId++);
    }
    return this.nextId++;
  }

  private insert(id: number, createdMs: number, batchId: number): StudentRecord {
    const row: StudentRecord = { id, name: studentName(this.ctx.seed, id), email: studentEmail(this.ctx.seed, id), batch_id: batchId, created_at: this.iso.format(createdMs) };
    this.ctx.sinks.student(row);
    this.ctx.ledger.studentInserted(id, batchId, createdMs);
    if (this.count === this.ids.length) this.grow();
    const i = this.count++;
    this.ids[i] = id;
    this.createdMs[i] = createdMs;
    this.lesson[i] = 1;
    this.failLeft[i] = drawFails(this.rng);
    this.neverPass[i] = this.rng.chance(NEVER_PASS_RATE) ? 1 : 0;
    return row;
  }

  private grow(): void {
    const n = this.ids.length * 2;
    const g = <T extends Int32Array | Float64Array | Uint16Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.ids = g(this.ids, (k) => new Int32Array(k));
    this.createdMs = g(this.createdMs, (k) => new Float64Array(k));
    this.lesson = g(this.lesson, (k) => new Uint16Array(k));
    this.failLeft = g(this.failLeft, (k) => new Uint8Array(k));
    this.neverPass = g(this.neverPass, (k) => new Uint8Array(k));
  }

  /** A new student with the next id, in `batchId` (default: one of the recent batches, weighted). */
  add(createdMs = this.ctx.now, batchId?: number): StudentRecord {
    const id = this.allocate();
    return this.insert(id, createdMs, batchId ?? this.batches.pickForStudent(this.rng, createdMs));
  }

  /** A student whose batch has not been served yet (the next few batch ids). */
  early(): StudentRecord {
    return this.add(this.ctx.now, this.batches.futureId(this.rng));
  }

  /** A new student with a free id below the high-water mark (an admin back-fill), or null if there is none. */
  backfill(): StudentRecord | null {
    if (this.holes.length === 0) return null;
    const k = this.rng.int(this.holes.length);
    const id = this.holes[k]!;
    this.holes[k] = this.holes[this.holes.length - 1]!;
    this.holes.pop();
    return this.insert(id, this.ctx.now, this.batches.pickForStudent(this.rng, this.ctx.now));
  }

  /** A row that breaks the types of CONTRACTS §2; it takes an id, and no run ever names it. */
  invalid(kind?: InvalidStudentKind, createdMs = this.ctx.now): RejectedStudent {
    const k = kind ?? this.rng.pick(INVALID_STUDENT_KINDS);
    const id = this.allocate();
    const batchId = this.batches.pickForStudent(this.rng, createdMs);
    const row: StudentRow & RejectedStudent['row'] = {
      id,
      name: studentName(this.ctx.seed, id),
      email: studentEmail(this.ctx.seed, id),
      batch_id: batchId,
      created_at: this.iso.format(createdMs),
    };
    let reason: string;
    switch (k) {
      case 'batch-id-text':
        row.batch_id = `batch-${batchId}`;
        reason = `batch_id is the TEXT '${row.batch_id}', not an INTEGER`;
        break;
      case 'batch-id-real':
        row.batch_id = batchId + 0.5;
        reason = `batch_id is the REAL ${row.batch_id}, not an INTEGER`;
        break;
      case 'name-blob':
        row.name = Buffer.from([0xff, 0xfe, 0x00, 0x41]);
        reason = 'name is a BLOB, not TEXT';
        break;
      case 'created-at-format':
        row.created_at = row.created_at.slice(0, 16).replace('T', ' ').replace(/-/g, '/');
        reason = `created_at '${row.created_at}' is not YYYY-MM-DDTHH:MM:SS.sssZ`;
        break;
      default: {
        const never: never = k;
        throw new Error(`unknown kind ${String(never)}`);
      }
    }
    this.ctx.sinks.student(row);
    const rejected: RejectedStudent = { id, kind: k, reason, row };
    this.ctx.ledger.studentRejected(rejected);
    return rejected;
  }
}
