// Batches: names like nyc-web-040124, uneven popularity (a Pareto weight that students pick by),
// and the record-level hard cases of CONTRACTS §1: ties, late batches, a batch served again, an
// invalid batch inside a page.
import type { GenContext } from './context.ts';
import { errors } from './errors.ts';
import { INVALID_BATCH_KINDS, type InvalidBatchKind, type LedgerBatch, type RejectedBatch } from './ledger.ts';
import { batchName, CAMPUSES, DAY_MS, DISCIPLINES, isoDate, isoTime, mmddyy } from './names.ts';
import { Rng } from './rng.ts';
import { LATE_BATCH_MAX_MS } from './rules.ts';

/** A student joins one of the last WINDOW batches started before them, weighted. */
const WINDOW = 8;

export class BatchGen {
  nextId = 1;
  /** The newest created_at served so far (a late batch goes up to 60 s before it). */
  newestMs = Number.NEGATIVE_INFINITY;
  private readonly rng: Rng;
  /** Every valid batch at its first serving, in that order: what students join. */
  private readonly ids: number[] = [];
  private readonly ms: number[] = [];
  private readonly weight: number[] = [];
  private ptr = 0;
  private zeroIdServed = false;

  constructor(private readonly ctx: GenContext) {
    this.rng = new Rng(ctx.seed, 'batches');
  }

  /** The history: `n` batch ids over [t0, t1), ties and invalid ones at their rates. */
  history(n: number, t0: number, t1: number): void {
    const r = this.rng;
    const f = this.ctx.faults;
    const step = (t1 - t0) / Math.max(n, 1);
    for (let i = 0; i < n; ) {
      const t = Math.floor(t0 + (i + r.float()) * step);
      if (r.chance(f.ties)) {
        const k = Math.min(this.ctx.tuning.tieSize, n - i);
        this.tieGroup(k, t);
        i += k;
      } else {
        if (r.chance(f['invalid-batches'])) this.invalid(undefined, t);
        else this.add(t);
        i++;
      }
    }
  }

  /** One live batch event, each hard case drawn at its rate. */
  event(): void {
    const r = this.rng;
    const f = this.ctx.faults;
    if (r.chance(f.ties)) this.tieGroup(this.ctx.tuning.tieSize);
    else if (r.chance(f['late-batches'])) this.late();
    else if (r.chance(f['duplicate-batches']) && this.ids.length > 0) this.serveAgain();
    else if (r.chance(f['invalid-batches'])) this.invalid();
    else this.add();
  }

  /** Now, but never before the newest served: only `late()` makes a batch late. */
  private nowMs(): number {
    return Math.max(this.ctx.now, this.newestMs);
  }

  private content(id: number, createdMs: number): LedgerBatch {
    const r = this.rng;
    const campus = r.pick(CAMPUSES);
    const discipline = r.pick(DISCIPLINES);
    const day = Math.floor(createdMs / DAY_MS) * DAY_MS;
    const start = r.chance(0.04) ? null : day + r.between(14, 70) * DAY_MS;
    return { id, name: batchName(campus, discipline, start ?? day), start_date: start === null ? null : isoDate(start), created_at: isoTime(createdMs) };
  }

  private publish(b: LedgerBatch, createdMs: number): void {
    this.ctx.sinks.batch({ id: b.id, createdMs, json: JSON.stringify(b) });
    this.ctx.ledger.batchPublished(b);
    if (createdMs > this.newestMs) this.newestMs = createdMs;
  }

  /** A new valid batch. */
  add(createdMs = this.nowMs()): LedgerBatch {
    const b = this.content(this.nextId++, createdMs);
    this.publish(b, createdMs);
    this.ids.push(b.id);
    this.ms.push(createdMs);
    // Pareto(1.2), capped: most batches are small, a few draw many students.
    this.weight.push(Math.min(50, Math.pow(1 - this.rng.float(), -1 / 1.2)));
    return b;
  }

  /** `n` new batches sharing one created_at. */
  tieGroup(n: number, createdMs = this.nowMs()): LedgerBatch[] {
    const out: LedgerBatch[] = [];
    for (let i = 0; i < n; i++) out.push(this.add(createdMs));
    return out;
  }

  /**
   * A new batch whose created_at is `lagMs` before the newest served; by default 1 ms to 60 s, and
   * exactly 60 s one time in ten: "up to 60 seconds" includes 60, and a look-back window that is
   * one millisecond short should miss something.
   */
  late(lagMs?: number): LedgerBatch {
    const lag = lagMs ?? (this.rng.chance(0.1) ? LATE_BATCH_MAX_MS : this.rng.between(1, LATE_BATCH_MAX_MS));
    if (!Number.isInteger(lag) || lag < 0 || lag > LATE_BATCH_MAX_MS) throw errors.optionRange('lagMs', 0, LATE_BATCH_MAX_MS, lag);
    const newest = Number.isFinite(this.newestMs) ? this.newestMs : this.ctx.now;
    return this.add(newest - lag);
  }

  /**
   * Serves batch `id` (default: a random one) again: same id, created_at now (never before the
   * newest), so a client's cursor meets it again; with `changed` (default: half the time) a start
   * date a week later and the name to match. The latest version is the one the warehouse keeps.
   */
  serveAgain(id?: number, changed?: boolean): LedgerBatch {
    if (this.ids.length === 0) throw errors.noBatch();
    const which = id ?? this.ids[this.rng.int(this.ids.length)]!;
    const old = this.ctx.ledger.batches.get(which);
    if (old === undefined) throw errors.unknownBatch(which);
    const createdMs = this.nowMs();
    const b: LedgerBatch = { ...old, created_at: isoTime(createdMs) };
    if (changed ?? this.rng.chance(0.5)) {
      const start = (old.start_date === null ? Math.floor(createdMs / DAY_MS) * DAY_MS : Date.parse(old.start_date)) + 7 * DAY_MS;
      b.start_date = isoDate(start);
      b.name = `${old.name.slice(0, old.name.lastIndexOf('-'))}-${mmddyy(start)}`;
    }
    this.publish(b, createdMs);
    return b;
  }

  /** A batch with one invalid field, served among valid ones; its id is never used again. */
  invalid(kind?: InvalidBatchKind, createdMs = this.nowMs()): RejectedBatch {
    const k = kind ?? this.rng.pick(INVALID_BATCH_KINDS);
    const b = this.content(this.nextId++, createdMs);
    const raw: Record<string, unknown> = { ...b };
    let reason: string;
    switch (k) {
      case 'name-empty':
        raw.name = '';
        reason = 'name is an empty string';
        break;
      case 'name-missing':
        delete raw.name;
        reason = 'name is missing';
        break;
      case 'start-date-format': {
        const d = b.start_date ?? isoDate(createdMs);
        raw.start_date = `${d.slice(5, 7)}/${d.slice(8, 10)}/${d.slice(0, 4)}`;
        reason = `start_date '${String(raw.start_date)}' is not YYYY-MM-DD`;
        break;
      }
      case 'created-at-format':
        raw.created_at = b.created_at.slice(0, 19).replace('T', ' ');
        reason = `created_at '${String(raw.created_at)}' is not YYYY-MM-DDTHH:MM:SS.sssZ`;
        break;
      case 'id-string':
        raw.id = String(b.id);
        reason = `id is the string "${b.id}", not an integer`;
        break;
      case 'id-not-positive':
        // 0 only once, so that no two invalid batches serve the same JSON (rules.ts).
        raw.id = this.rng.chance(0.5) && !this.zeroIdServed ? 0 : -b.id;
        if (raw.id === 0) this.zeroIdServed = true;
        reason = `id ${String(raw.id)} is not a positive integer`;
        break;
      case 'id-past-2^53':
        raw.id = BigInt(Number.MAX_SAFE_INTEGER) + 2n + BigInt(b.id);
        reason = `id ${String(raw.id)} is past 2^53: no JSON.parse gives it exactly`;
        break;
      default: {
        const never: never = k;
        throw new Error(`unknown kind ${String(never)}`);
      }
    }
    // A bigint is served as the exact JSON number it is.
    const json = JSON.stringify(raw, (_k, v: unknown) => (typeof v === 'bigint' ? `#big#${v}` : v)).replace(/"#big#(-?\d+)"/g, '$1');
    this.ctx.sinks.batch({ id: b.id, createdMs, json });
    const rejected: RejectedBatch = { id: b.id, kind: k, reason, raw };
    this.ctx.ledger.batchRejected(rejected);
    if (createdMs > this.newestMs) this.newestMs = createdMs;
    return rejected;
  }

  /** The batch a student created at `t` joins, or a batch id not served yet when none is. */
  pickForStudent(r: Rng, t: number): number {
    while (this.ptr < this.ids.length && this.ms[this.ptr]! <= t) this.ptr++;
    if (this.ptr === 0) return this.futureId(r);
    const lo = Math.max(0, this.ptr - WINDOW);
    let total = 0;
    for (let i = lo; i < this.ptr; i++) total += this.weight[i]!;
    let x = r.float() * total;
    for (let i = lo; i < this.ptr; i++) {
      x -= this.weight[i]!;
      if (x < 0) return this.ids[i]!;
    }
    return this.ids[this.ptr - 1]!;
  }

  /** An id the next few batches will take (it may turn out invalid: then no batch ever has it). */
  futureId(r: Rng): number {
    return this.nextId + r.int(3);
  }
}
