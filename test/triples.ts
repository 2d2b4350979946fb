// Completions as they travel (WriteTx, RunsMsg, applyCompletions, computeWarehouse): triples
// [student, lesson, ms, ...], ms a completing run's created_at in milliseconds since the epoch.
// Helpers for tests (and benches) that think in pairs: give them times, and read triples back.

/** A fixed event time the tests count from: 2024-03-01T00:00:00.000Z. */
export const BASE_MS = Date.parse('2024-03-01T00:00:00.000Z');

/** `ms` as a created_at, as the warehouse stores it. */
export const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Pairs [student, lesson, ...] as triples [student, lesson, ms, ...]; the i-th pair (0-based) at
 * `time(i)`, by default BASE_MS plus i minutes (so a later pair in the list has a later time).
 */
export function triples(pairs: readonly number[], time: (i: number) => number = (i) => BASE_MS + i * 60_000): number[] {
  const out: number[] = [];
  for (let i = 0; 2 * i + 1 < pairs.length; i++) out.push(pairs[2 * i]!, pairs[2 * i + 1]!, time(i));
  return out;
}

/** The same as a Float64Array (WriteTx.completions, RunsMsg.completions). */
export const tripleArray = (pairs: readonly number[], time?: (i: number) => number): Float64Array => Float64Array.from(triples(pairs, time));

/** Every pair of triples as "student:lesson" → its earliest ms. */
export function earliest(t: ArrayLike<number>, into = new Map<string, number>()): Map<string, number> {
  if (t.length % 3 !== 0) throw new Error(`not triples: ${t.length} numbers`);
  for (let i = 0; i + 2 < t.length; i += 3) {
    const k = `${t[i]}:${t[i + 1]}`;
    const had = into.get(k);
    if (had === undefined || t[i + 2]! < had) into.set(k, t[i + 2]!);
  }
  return into;
}

/** The pairs of triples as "student:lesson", each once. */
export const pairKeys = (t: ArrayLike<number>): Set<string> => new Set(earliest(t).keys());

/** The students of triples, in order (a pair's student once per triple). */
export function studentsOf(t: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < t.length; i += 3) out.push(t[i]!);
  return out;
}

/**
 * CONTRACTS §4's qualified_at from scratch: each lesson's earliest time, sorted, the `min`-th; null
 * with fewer than `min` lessons. `lessonTimes`: lesson → earliest ms, of one student.
 */
export function qualifiedAtOf(lessonTimes: Iterable<number>, min: number): string | null {
  const sorted = [...lessonTimes].sort((a, b) => a - b);
  return sorted.length < min ? null : iso(sorted[min - 1]!);
}

/** Per student, qualified_at (CONTRACTS §4) over every triple given. */
export function qualifiedAtByStudent(t: ArrayLike<number>, min: number): Map<number, string | null> {
  const per = new Map<number, number[]>();
  for (const [k, ms] of earliest(t)) {
    const s = Number(k.slice(0, k.indexOf(':')));
    const l = per.get(s);
    if (l === undefined) per.set(s, [ms]);
    else l.push(ms);
  }
  const out = new Map<number, string | null>();
  for (const [s, times] of per) out.set(s, qualifiedAtOf(times, min));
  return out;
}
