// Event time (CONTRACTS §4's `qualified_at`): a test run's `created_at`, carried as milliseconds
// since the epoch. Every `created_at` that passes validation is YYYY-MM-DDTHH:MM:SS.sssZ, which
// names exactly one millisecond and is what toISOString prints for it, so the number and the text
// turn into each other without loss.

const DAY_MS = 86_400_000;

/** Milliseconds since the epoch of a validated `created_at`. */
export const msOf = (iso: string): number => Date.parse(iso);

/** The `YYYY-MM-DDT` of the days printed lately, as character codes: a history's times fall on a few hundred days. */
const dayPrefixes = new Map<number, number[]>();
const MAX_DAYS = 4_096;
const ZERO = 0x30;

/**
 * The `created_at` text of `ms`: toISOString's, with each day's date part kept (a rebuild prints
 * 100,000s of these; a Date and its toISOString each cost more than the rest). Made in one piece
 * from its character codes: joined from parts, each text was a tree of several strings, and a
 * rebuild keeps 100,000s of them (measured at 2,000,000 runs: the scavenges copying those trees
 * were 150 ms of a 230 ms computeWarehouse).
 */
export function isoOf(ms: number): string {
  // Whole milliseconds within ±8.64e15 (what a Date holds) only; anything else as Date prints it (or throws).
  if (!Number.isInteger(ms) || Math.abs(ms) > 8.64e15) return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY_MS);
  const inDay = ms - day * DAY_MS;
  let p = dayPrefixes.get(day);
  if (p === undefined) {
    if (dayPrefixes.size >= MAX_DAYS) dayPrefixes.clear();
    const text = new Date(day * DAY_MS).toISOString();
    dayPrefixes.set(day, (p = Array.from(text.slice(0, text.indexOf('T') + 1), (c) => c.charCodeAt(0))));
  }
  const s = Math.floor(inDay / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor(s / 60) % 60;
  const sec = s % 60;
  const milli = inDay % 1000;
  const time = [ZERO + Math.floor(h / 10), ZERO + (h % 10), 0x3a, ZERO + Math.floor(m / 10), ZERO + (m % 10), 0x3a, ZERO + Math.floor(sec / 10), ZERO + (sec % 10), 0x2e, ZERO + Math.floor(milli / 100), ZERO + (Math.floor(milli / 10) % 10), ZERO + (milli % 10), 0x5a] as const;
  if (p.length === 11) {
    return String.fromCharCode(p[0]!, p[1]!, p[2]!, p[3]!, p[4]!, p[5]!, p[6]!, p[7]!, p[8]!, p[9]!, p[10]!, ...time);
  }
  // A year past 9999 or before 0 (±YYYYYY): rare, its longer prefix.
  return String.fromCharCode(...p, ...time);
}

/**
 * The `min`-th smallest of lessonTimes[from, to) (each lesson's earliest completing time, any
 * order): `qualified_at` in ms, or null with fewer than `min` lessons. The `min` smallest are kept
 * in `scratch` (at least `min` long) by insertion: no allocation per student.
 */
export function kthSmallest(lessonTimes: ArrayLike<number>, from: number, to: number, min: number, scratch: Float64Array): number | null {
  if (min < 1 || to - from < min) return null;
  let n = 0;
  for (let i = from; i < to; i++) {
    const t = lessonTimes[i]!;
    if (n === min && t >= scratch[n - 1]!) continue;
    let j = n < min ? n++ : n - 1;
    while (j > 0 && scratch[j - 1]! > t) {
      scratch[j] = scratch[j - 1]!;
      j--;
    }
    scratch[j] = t;
  }
  return scratch[min - 1]!;
}
