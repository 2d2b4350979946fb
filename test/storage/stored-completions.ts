// The completions a warehouse stores, read as an outside tool would have to: version 1's pair rows
// (no time), and the lists of versions 2 and 3 (a Float64Array of lessons per row, and from version
// 3 a Float64Array of their times beside it; a list may repeat a lesson stored before, with an
// earlier time).
import type Database from 'better-sqlite3';

const floats = (blob: Buffer): Float64Array => new Float64Array(Uint8Array.from(blob).buffer);

/** Every stored entry as [student, lesson, ms], repeats included; ms Infinity where no time is kept. */
export function storedEntries(db: Database.Database): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (const [s, l] of db.prepare('SELECT student_id, lesson_id FROM completions').raw().all() as [number, number][]) out.push([s, l, Infinity]);
  const hasTimes = (db.prepare("SELECT count(*) FROM pragma_table_info('completion_lists') WHERE name = 'times'").pluck().get() as number) > 0;
  const rows = db.prepare(`SELECT student_id, lessons, ${hasTimes ? 'times' : 'NULL AS times'} FROM completion_lists`).raw().all() as [number, Buffer, Buffer | null][];
  for (const [s, blob, timeBlob] of rows) {
    const lessons = floats(blob);
    const times = timeBlob === null ? null : floats(timeBlob);
    if (times !== null && times.length !== lessons.length) throw new Error(`student ${s}: ${lessons.length} lessons, ${times.length} times`);
    for (let i = 0; i < lessons.length; i++) out.push([s, lessons[i]!, times === null ? Infinity : times[i]!]);
  }
  return out;
}

/** Per student, each lesson stored once with its earliest time (student → lesson → ms). */
export function storedTimes(db: Database.Database): Map<number, Map<number, number>> {
  const out = new Map<number, Map<number, number>>();
  for (const [s, l, ms] of storedEntries(db)) {
    let lessons = out.get(s);
    if (lessons === undefined) out.set(s, (lessons = new Map()));
    const had = lessons.get(l);
    if (had === undefined || ms < had) lessons.set(l, ms);
  }
  return out;
}

/** Per student, its distinct lessons (student → lessons). */
export function storedCompletions(db: Database.Database): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const [s, lessons] of storedTimes(db)) out.set(s, [...lessons.keys()]);
  return out;
}

/** How many (student, lesson) entries are stored, repeats (a pair stored again with an earlier time) included. */
export function storedPairCount(db: Database.Database): number {
  return storedEntries(db).length;
}
