// Event time (CONTRACTS §4's `qualified_at`): a test run's `created_at`, carried as milliseconds
// since the epoch. Every `created_at` that passes validation is YYYY-MM-DDTHH:MM:SS.sssZ, which
// names exactly one millisecond and is what toISOString prints for it, so the number and the text
// turn into each other without loss.

const DAY_MS = 86_400_000;

/** Milliseconds since the epoch of a validated `created_at`. */
export const msOf = (iso: string): number => Date.parse(iso);

const pad2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const pad3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
/** The `YYYY-MM-DDT` of the days printed lately: a history's times fall on a few hundred days. */
const dayPrefixes = new Map<number, string>();
const MAX_DAYS = 4_096;

/**
 * The `created_at` text of `ms`: toISOString's, with each day's date part kept (a rebuild prints
 * 100,000s of these; a Date and its toISOString each cost more than the rest).
 */
export function isoOf(ms: number): string {
  // Whole milliseconds within ±8.64e15 (what a Date holds) only; anything else as Date prints it (or throws).
  if (!Number.isInteger(ms) || Math.abs(ms) > 8.64e15) return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY_MS);
  const inDay = ms - day * DAY_MS;
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    if (dayPrefixes.size >= MAX_DAYS) dayPrefixes.clear();
    const text = new Date(day * DAY_MS).toISOString();
    dayPrefixes.set(day, (prefix = text.slice(0, text.indexOf('T') + 1)));
  }
  const s = Math.floor(inDay / 1000);
  return `${prefix}${pad2[Math.floor(s / 3600)]}:${pad2[Math.floor(s / 60) % 60]}:${pad2[s % 60]}.${pad3[inDay % 1000]}Z`;
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
