// A batch's students' lessons, for the SQLite reader (explain, the batch page). completion_lists has
// no index by student: one kept by the writer made every commit rewrite pages all over it (a
// streaming catch-up's WAL went from 48 to 95-124 MiB, past its 64 MiB bound). The table is
// append-only, so a reader that keeps what it found for a batch only reads the rows added since
// (rowid above the last one it saw) on the next call: a full scan on a batch's first view or when
// its students change, a few new rows on each live refresh. `rebuild` rewrites the table (rowids
// start again): it sets meta `rebuilt_at`, which drops what was kept.
import type Database from 'better-sqlite3';

/** Batches whose lessons are kept between calls (the pages open at once, say). */
const KEPT = 64;

interface Kept {
  marker: string;
  students: string;
  upTo: number;
  per: Map<number, [number, number][]>;
}

export class StudentLessons {
  private readonly kept = new Map<number, Kept>();

  constructor(
    private readonly db: Database.Database,
    /** Whether completion_lists has its times column (schema version 3 and later). */
    private readonly hasTimes: boolean,
  ) {}

  /** Each student's stored (lesson, ms) entries (a lesson may repeat; a time not kept is Infinity). Call inside a read transaction. */
  of(batch: number, students: readonly number[]): Map<number, [number, number][]> {
    const marker = String(this.db.prepare("SELECT value FROM meta WHERE key = 'rebuilt_at'").pluck().get() ?? '');
    const top = Number(this.db.prepare('SELECT coalesce(max(rowid), 0) FROM completion_lists').pluck().get());
    const ids = students.join(',');
    let k = this.kept.get(batch);
    if (k === undefined || k.marker !== marker || k.students !== ids || top < k.upTo) {
      k = { marker, students: ids, upTo: 0, per: new Map(students.map((s) => [s, []])) };
      // Lessons of version 1's table (one row per pair, no time): read once, with the first scan.
      for (const [s, lesson] of this.db.prepare('SELECT student_id, lesson_id FROM completions').raw().iterate() as IterableIterator<[number, number]>) {
        k.per.get(s)?.push([lesson, Infinity]);
      }
    }
    if (top > k.upTo) {
      const rows = this.db.prepare(`SELECT student_id, lessons, ${this.hasTimes ? 'times' : 'NULL'} FROM completion_lists WHERE rowid > ? AND rowid <= ?`).raw();
      for (const [s, lessons, times] of rows.iterate(k.upTo, top) as IterableIterator<[number, Buffer, Buffer | null]>) {
        const into = k.per.get(s);
        if (into === undefined) continue;
        const l = floats(lessons);
        const t = times === null ? null : floats(times);
        for (let i = 0; i < l.length; i++) into.push([l[i]!, t === null ? Infinity : t[i]!]);
      }
      k.upTo = top;
    }
    this.kept.delete(batch);
    this.kept.set(batch, k);
    if (this.kept.size > KEPT) this.kept.delete(this.kept.keys().next().value!);
    return k.per;
  }
}

/** A blob of little-endian doubles (copied when not 8-byte aligned). */
export function floats(blob: Buffer): Float64Array {
  if (blob.byteOffset % 8 === 0) return new Float64Array(blob.buffer, blob.byteOffset, blob.byteLength / 8);
  return new Float64Array(Uint8Array.from(blob).buffer);
}
