// The completions a warehouse stores, read as an outside tool would have to: version 1's pair rows
// and version 2's lists (a Float64Array of lessons per row), as (student → lessons).
import type Database from 'better-sqlite3';

export function storedCompletions(db: Database.Database): Map<number, number[]> {
  const out = new Map<number, number[]>();
  const add = (student: number, lesson: number) => {
    const l = out.get(student);
    if (l === undefined) out.set(student, [lesson]);
    else l.push(lesson);
  };
  for (const [s, l] of db.prepare('SELECT student_id, lesson_id FROM completions').raw().all() as [number, number][]) add(s, l);
  for (const [s, blob] of db.prepare('SELECT student_id, lessons FROM completion_lists').raw().all() as [number, Buffer][]) {
    for (const l of new Float64Array(blob.buffer, blob.byteOffset, blob.byteLength / 8)) add(s, l);
  }
  return out;
}

/** How many (student, lesson) pairs are stored, repeats included. */
export function storedPairCount(db: Database.Database): number {
  let n = 0;
  for (const lessons of storedCompletions(db).values()) n += lessons.length;
  return n;
}
