// One batch and its students, as `explain` prints it and the batch page shows it (CONTRACTS §5):
// why the batch has its number. The same shape from both backends (reader.ts, pg/reader.ts).

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
