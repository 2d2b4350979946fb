// Column storage for the ledger: millions of records in chunked typed arrays (never millions of JS
// objects), growing in chunks of 2^20 rows so that growth never copies. 20M test runs take
// 20M x 10 bytes = 200 MB; 1M students 16 MB.

const SHIFT = 20;
const CHUNK = 1 << SHIFT;
const MASK = CHUNK - 1;

/** Valid test runs, in the order their first line was written; row i is test run `tr-<i+1>`. */
export class RunTable {
  length = 0;
  private readonly s: Int32Array[] = [];
  private readonly l: Uint16Array[] = [];
  private readonly p: Uint16Array[] = [];
  private readonly f: Uint16Array[] = [];
  private cs = new Int32Array(0);
  private cl = new Uint16Array(0);
  private cp = new Uint16Array(0);
  private cf = new Uint16Array(0);
  private pos = CHUNK;

  push(studentId: number, lessonId: number, passing: number, failure: number): number {
    if (this.pos === CHUNK) {
      this.s.push((this.cs = new Int32Array(CHUNK)));
      this.l.push((this.cl = new Uint16Array(CHUNK)));
      this.p.push((this.cp = new Uint16Array(CHUNK)));
      this.f.push((this.cf = new Uint16Array(CHUNK)));
      this.pos = 0;
    }
    const i = this.pos++;
    this.cs[i] = studentId;
    this.cl[i] = lessonId;
    this.cp[i] = passing;
    this.cf[i] = failure;
    return this.length++;
  }

  studentId(i: number): number {
    return this.s[i >>> SHIFT]![i & MASK]!;
  }
  lessonId(i: number): number {
    return this.l[i >>> SHIFT]![i & MASK]!;
  }
  passing(i: number): number {
    return this.p[i >>> SHIFT]![i & MASK]!;
  }
  failure(i: number): number {
    return this.f[i >>> SHIFT]![i & MASK]!;
  }

  /** The used part of each chunk, in order: the fast way to scan all rows. */
  *chunks(): Generator<{ base: number; studentId: Int32Array; lessonId: Uint16Array; passing: Uint16Array; failure: Uint16Array }> {
    for (let c = 0; c < this.s.length; c++) {
      const base = c * CHUNK;
      const n = Math.min(CHUNK, this.length - base);
      yield {
        base,
        studentId: this.s[c]!.subarray(0, n),
        lessonId: this.l[c]!.subarray(0, n),
        passing: this.p[c]!.subarray(0, n),
        failure: this.f[c]!.subarray(0, n),
      };
    }
  }
}

/** Valid student rows in insertion order (names and emails are recomputed from seed and id). */
export class StudentTable {
  length = 0;
  private readonly id: Int32Array[] = [];
  private readonly batch: Int32Array[] = [];
  private readonly created: Float64Array[] = [];
  private cid = new Int32Array(0);
  private cb = new Int32Array(0);
  private cc = new Float64Array(0);
  private pos = CHUNK;

  push(id: number, batchId: number, createdMs: number): number {
    if (this.pos === CHUNK) {
      this.id.push((this.cid = new Int32Array(CHUNK)));
      this.batch.push((this.cb = new Int32Array(CHUNK)));
      this.created.push((this.cc = new Float64Array(CHUNK)));
      this.pos = 0;
    }
    const i = this.pos++;
    this.cid[i] = id;
    this.cb[i] = batchId;
    this.cc[i] = createdMs;
    return this.length++;
  }

  studentId(i: number): number {
    return this.id[i >>> SHIFT]![i & MASK]!;
  }
  batchId(i: number): number {
    return this.batch[i >>> SHIFT]![i & MASK]!;
  }
  createdMs(i: number): number {
    return this.created[i >>> SHIFT]![i & MASK]!;
  }

  *chunks(): Generator<{ base: number; id: Int32Array; batchId: Int32Array; createdMs: Float64Array }> {
    for (let c = 0; c < this.id.length; c++) {
      const base = c * CHUNK;
      const n = Math.min(CHUNK, this.length - base);
      yield { base, id: this.id[c]!.subarray(0, n), batchId: this.batch[c]!.subarray(0, n), createdMs: this.created[c]!.subarray(0, n) };
    }
  }
}
