// One batch and its students, as `explain` prints it and the batch page shows it (CONTRACTS §5):
// why the batch has its number. The same shape from both backends (reader.ts, pg/reader.ts).
import { isoOf } from '../domain/event-time.ts';

/** A lesson a student completed, with the earliest `created_at` among its completing runs. */
export interface LessonDone {
  lesson: number;
  /** ISO-8601 UTC, ms: event time, the run's own `created_at`. */
  at: string;
}

export interface DetailStudent {
  id: number;
  name: string;
  email: string | null;
  created_at: string;
  /** Distinct lessons completed (the warehouse's `students.completed`). */
  completed: number;
  /** Event time the student qualified (CONTRACTS §4), null while it has not. */
  qualified_at: string | null;
  /** Its completed lessons, earliest first (ties by lesson). */
  lessons: LessonDone[];
}

export interface DetailBatch {
  name: string;
  start_date: string | null;
  created_at: string;
  student_count: number;
  qualified_students: number;
  updated_at: string;
}

export interface BatchDetail {
  id: number;
  /** Null when students name this batch but the API has not served it (yet). */
  batch: DetailBatch | null;
  /** Its place on the leaderboard (CONTRACTS §4's order), null without a batch row. */
  rank: number | null;
  /** The minimum of lessons the warehouse counts a student qualified at. */
  minLessons: number;
  /** By id ascending. */
  students: DetailStudent[];
}

/**
 * A student's lessons from stored (lesson, ms) entries, which may repeat a lesson (a later row with
 * an earlier time): each lesson once with its earliest time, earliest first, ties by lesson. A time
 * not kept (stored before event times were, Infinity) is shown as an empty `at`, last.
 */
export function lessonsDone(entries: readonly [number, number][]): LessonDone[] {
  const best = new Map<number, number>();
  for (const [lesson, ms] of entries) {
    const had = best.get(lesson);
    if (had === undefined || ms < had) best.set(lesson, ms);
  }
  return [...best]
    .sort((a, b) => (a[1] === b[1] ? 0 : a[1] < b[1] ? -1 : 1) || a[0] - b[0])
    .map(([lesson, ms]) => ({ lesson, at: Number.isFinite(ms) ? isoOf(ms) : '' }));
}
