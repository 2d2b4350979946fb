// Event time (CONTRACTS §4's `qualified_at`): a test run's `created_at`, carried as milliseconds
// since the epoch. Every `created_at` that passes validation is YYYY-MM-DDTHH:MM:SS.sssZ, which
// names exactly one millisecond and is what toISOString prints for it, so the number and the text
// turn into each other without loss.

/** Milliseconds since the epoch of a validated `created_at`. */
export const msOf = (iso: string): number => Date.parse(iso);

/** The `created_at` text of `ms`. */
export const isoOf = (ms: number): string => new Date(ms).toISOString();

/**
 * `qualified_at` as milliseconds, from the earliest completing time of each lesson a student
 * completed (any order): the `min`-th smallest, or null with fewer than `min` lessons.
 */
export function qualifiedAtMs(lessonTimes: ArrayLike<number>, min: number): number | null {
  if (min < 1 || lessonTimes.length < min) return null;
  const sorted = Float64Array.from(lessonTimes).sort();
  return sorted[min - 1]!;
}

/** The same as text, as the warehouse stores it. */
export function qualifiedAt(lessonTimes: ArrayLike<number>, min: number): string | null {
  const ms = qualifiedAtMs(lessonTimes, min);
  return ms === null ? null : isoOf(ms);
}
