// Test runs: each student works through lessons 1..N, failing a few times before each pass; a few
// never pass anything. And the hard cases of CONTRACTS §3: runs before their student, repeated
// lines, each kind of bad line, lines split in two, unusual but valid lines. The plain line is the
// hot path of the history (10M lines): one template string, no objects.
import type { GenContext } from './context.ts';
import { drawFails, type StudentGen } from './gen-students.ts';
import { BAD_LINE_KINDS, LINE_VARIANTS, runIdOf, type BadLine, type BadLineKind, type LineVariant } from './ledger.ts';
import { IsoFormatter } from './names.ts';
import { errors } from './errors.ts';
import { hash32, Rng } from './rng.ts';

const RECENT = 32;
/** A run where no test ran at all (passing 0, failure 0): valid, and not a completion. */
const EMPTY_RUN_RATE = 0.003;
const FIELDS = ['id', 'student_id', 'lesson_id', 'passing_count', 'failure_count', 'created_at'] as const;

export interface RunFields {
  student_id: number;
  lesson_id: number;
  passing_count: number;
  failure_count: number;
}

/** The bounds of the ledger's columns (tables.ts): an Int32 student id, Uint16 lessons and counts. */
export function checkRun(f: RunFields): void {
  const check = (name: keyof RunFields, min: number, max: number) => {
    const v = f[name];
    if (!Number.isInteger(v) || v < min || v > max) throw errors.optionRange(name, min, max, v);
  };
  check('student_id', 1, 2_147_483_647);
  check('lesson_id', 1, 65_535);
  check('passing_count', 0, 65_535);
  check('failure_count', 0, 65_535);
}

export class RunGen {
  private readonly rng: Rng;
  private readonly iso = new IsoFormatter();
  /** Tests per lesson, 4..20, fixed per lesson number. */
  private readonly tests: Uint8Array;
  private readonly recentText: string[] = [];
  private readonly recentRun: number[] = [];
  private recentPos = 0;
  private badNo = 0;

  constructor(
    private readonly ctx: GenContext,
    private readonly students: StudentGen,
  ) {
    this.rng = new Rng(ctx.seed, 'test-runs');
    this.tests = new Uint8Array(ctx.lessons + 1);
    for (let l = 1; l <= ctx.lessons; l++) this.tests[l] = 4 + (hash32(ctx.seed, l) % 17);
  }

  /** The history: `n` valid runs over [t0, t1), plus the extra lines of the enabled hard cases. */
  history(n: number, t0: number, t1: number): void {
    const st = this.students;
    const step = (t1 - t0) / Math.max(n, 1);
    let existing = 0;
    for (let k = 0; k < n; ) {
      const t = Math.floor(t0 + (k + this.rng.float()) * step);
      while (existing < st.count && st.createdMs[existing]! <= t) existing++;
      k += this.auto(t, existing, false);
    }
  }

  /** One live line event. */
  event(): void {
    this.auto(this.ctx.now, this.students.count, true);
  }

  /** Returns how many valid runs it wrote (0 or 1). */
  private auto(t: number, existing: number, live: boolean): number {
    const r = this.rng;
    const f = this.ctx.faults;
    if (r.chance(f['bad-lines'])) {
      this.bad(undefined, t);
      return 0;
    }
    if (r.chance(f['duplicate-lines']) && this.duplicate() >= 0) return 0;
    if (r.chance(f['early-test-runs'])) {
      this.early(t);
      return 1;
    }
    if (live && r.chance(f['split-lines'])) {
      this.normal(t, existing, null, this.ctx.tuning.splitPauseMs);
      return 1;
    }
    if (r.chance(f['line-variants'])) {
      const v = r.pick(LINE_VARIANTS);
      if (v === 'blank-line') {
        this.blank();
        return 0;
      }
      this.normal(t, existing, v, null);
      return 1;
    }
    this.normal(t, existing, null, null);
    return 1;
  }

  /**
   * A run by one of the first `existing` students, advancing their progress; written in two parts
   * `splitPauseMs` apart when that is not null. Returns its index.
   */
  normal(t: number, existing: number, variant: LineVariant | null, splitPauseMs: number | null): number {
    if (existing === 0) return this.early(t, variant, splitPauseMs);
    const r = this.rng;
    const st = this.students;
    // sqrt biases towards recent students: they are the active ones.
    const i = Math.floor(existing * Math.sqrt(r.float()));
    let lesson = st.lesson[i]!;
    let passing: number;
    let failure: number;
    if (st.neverPass[i] === 1) {
      lesson = 1 + r.int(Math.min(3, this.ctx.lessons));
      failure = 1 + r.int(this.tests[lesson]!);
      passing = this.tests[lesson]! - failure;
    } else if (r.float() < EMPTY_RUN_RATE) {
      passing = 0;
      failure = 0;
    } else if (st.failLeft[i]! > 0) {
      failure = 1 + r.int(this.tests[lesson]!);
      passing = this.tests[lesson]! - failure;
      st.failLeft[i] = st.failLeft[i]! - 1;
    } else {
      passing = this.tests[lesson]!;
      failure = 0;
      const done = lesson >= this.ctx.lessons;
      // Past the last lesson, students re-run a random earlier one, which passes again.
      st.lesson[i] = done ? 1 + r.int(this.ctx.lessons) : lesson + 1;
      st.failLeft[i] = done ? 0 : drawFails(r);
    }
    return this.emit(st.ids[i]!, lesson, passing, failure, t, variant, splitPauseMs);
  }

  private emit(sid: number, lesson: number, passing: number, failure: number, t: number, variant: LineVariant | null, splitPauseMs: number | null): number {
    const index = this.ctx.ledger.runWritten(sid, lesson, passing, failure);
    const id = runIdOf(index);
    const ts = this.iso.format(t);
    const text =
      variant === null
        ? `{"id": "${id}", "student_id": ${sid}, "lesson_id": ${lesson}, "passing_count": ${passing}, "failure_count": ${failure}, "created_at": "${ts}"}\n`
        : this.variantText(variant, id, sid, lesson, passing, failure, ts);
    this.recentText[this.recentPos] = text;
    this.recentRun[this.recentPos] = index;
    this.recentPos = (this.recentPos + 1) % RECENT;
    if (splitPauseMs !== null) {
      const cut = 1 + this.rng.int(text.length - 1);
      this.ctx.ledger.splitLines++;
      this.ctx.sinks.splitLine(text.slice(0, cut), text.slice(cut), splitPauseMs);
    } else {
      this.ctx.sinks.line(text);
    }
    return index;
  }

  private variantText(v: LineVariant, id: string, sid: number, lesson: number, p: number, f: number, ts: string): string {
    this.ctx.ledger.variants[v]++;
    switch (v) {
      case 'crlf':
        return `{"id": "${id}", "student_id": ${sid}, "lesson_id": ${lesson}, "passing_count": ${p}, "failure_count": ${f}, "created_at": "${ts}"}\r\n`;
      case 'key-order':
        return `{"created_at":"${ts}","failure_count":${f},"lesson_id":${lesson},"id":"${id}","passing_count":${p},"student_id":${sid}}\n`;
      case 'extra-keys':
        // Nested keys named like the real ones: a parser must take the top-level ones only. Not
        // ASCII: a reader that counts characters where it should count bytes loses its offset.
        return `{"id": "${id}", "runner": "learn-test 3.2 ✓ — Zoë", "student_id": ${sid}, "meta": {"id": 7, "student_id": "x", "failure_count": 99}, "lesson_id": ${lesson}, "passing_count": ${p}, "failure_count": ${f}, "created_at": "${ts}", "duration_ms": 1234, "tags": ["rspec", null]}\n`;
      case 'whitespace':
        return `  { "id" :\t"${id}" ,"student_id":${sid},  "lesson_id" : ${lesson} ,\t"passing_count":${p},"failure_count" :${f} , "created_at":"${ts}"   }\t\n`;
      case 'blank-line':
        throw new Error('a blank line carries no run');
      default: {
        const never: never = v;
        throw new Error(`unknown variant ${String(never)}`);
      }
    }
  }

  /** A run for a student not inserted yet (one of the next few ids). Returns its index. */
  early(t = this.ctx.now, variant: LineVariant | null = null, splitPauseMs: number | null = null): number {
    const r = this.rng;
    const sid = this.students.nextId + r.int(5);
    const lesson = 1 + r.int(Math.min(3, this.ctx.lessons));
    const tests = this.tests[lesson]!;
    const failure = r.chance(0.6) ? 0 : 1 + r.int(tests);
    return this.emit(sid, lesson, tests - failure, failure, t, variant, splitPauseMs);
  }

  /** An exact run, for tests. Returns its index. */
  custom(f: RunFields, variant: LineVariant | null = null, splitPauseMs: number | null = null): number {
    return this.emit(f.student_id, f.lesson_id, f.passing_count, f.failure_count, this.ctx.now, variant, splitPauseMs);
  }

  /** Writes one of the last 32 valid lines again; returns its run index, or -1 if none yet. */
  duplicate(): number {
    const n = this.recentText.length;
    if (n === 0) return -1;
    const k = n === 1 ? 0 : this.rng.int(n);
    this.ctx.ledger.duplicateWritten(this.recentRun[k]!);
    this.ctx.sinks.line(this.recentText[k]!);
    return this.recentRun[k]!;
  }

  blank(): void {
    this.ctx.ledger.blankLineWritten();
    this.ctx.sinks.line('\n');
  }

  /**
   * A bad line of one kind. It looks like a pass for an existing student, so that a pipeline that
   * wrongly accepts it shows a completion too many, not only a missing rejected record. No two bad
   * lines have the same text (one without a string id carries an extra `seq` key, which §3 says to
   * ignore), so counting them by raw text and by line gives the same number.
   */
  bad(kind?: BadLineKind, t = this.ctx.now): BadLine {
    const r = this.rng;
    const k = kind ?? r.pick(BAD_LINE_KINDS);
    const st = this.students;
    const id = 'tr-x' + String(++this.badNo).padStart(8, '0');
    const sid = st.count > 0 ? st.ids[r.int(st.count)]! : 1;
    const lesson = 1 + r.int(this.ctx.lessons);
    const o: Record<string, unknown> = { id, student_id: sid, lesson_id: lesson, passing_count: this.tests[lesson]!, failure_count: 0, created_at: this.iso.format(t) };
    let text: string;
    let reason: string;
    let carried: string | null = id;
    switch (k) {
      case 'not-json':
        text = r.chance(0.5) ? JSON.stringify(o).slice(0, 30 + r.int(40)) : `test run ${id} passed for student ${sid}`;
        reason = 'not JSON';
        carried = null;
        break;
      case 'missing-field': {
        const field = r.pick(FIELDS);
        delete o[field];
        if (field === 'id') {
          carried = null;
          o.seq = this.badNo;
        }
        text = JSON.stringify(o);
        reason = `field '${field}' missing`;
        break;
      }
      case 'wrong-type': {
        const field = r.pick(FIELDS);
        const wrong: Record<(typeof FIELDS)[number], unknown> = {
          id: sid, student_id: String(sid), lesson_id: String(lesson), passing_count: String(o.passing_count), failure_count: null, created_at: t,
        };
        o[field] = wrong[field];
        if (field === 'id') {
          carried = null;
          o.seq = this.badNo;
        }
        text = JSON.stringify(o);
        reason = `field '${field}' is ${o[field] === null ? 'null' : typeof o[field]}, not ${field === 'id' || field === 'created_at' ? 'a string' : 'an integer'}`;
        break;
      }
      case 'negative-count': {
        const field = r.chance(0.5) ? 'passing_count' : 'failure_count';
        o[field] = field === 'passing_count' ? -(o.passing_count as number) : -1;
        text = JSON.stringify(o);
        reason = `${field} is negative (${String(o[field])})`;
        break;
      }
      case 'too-long':
        o.output = 'x'.repeat(70_000);
        text = JSON.stringify(o);
        reason = `line of ${text.length + 1} bytes is over the 64 KiB limit`;
        break;
      default: {
        const never: never = k;
        throw new Error(`unknown kind ${String(never)}`);
      }
    }
    const rec = this.ctx.ledger.badLineWritten({ kind: k, reason, id: carried, text: text.slice(0, 200), bytes: Buffer.byteLength(text) + 1 });
    this.ctx.sinks.line(text + '\n');
    return rec;
  }
}
