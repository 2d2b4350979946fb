// The leaderboard page's one query, the same on both backends (storage/reader.ts, pg/reader.ts).

/** A batch as the leaderboard page shows it. */
export interface BoardRow {
  id: number;
  name: string;
  start_date: string | null;
  student_count: number;
  qualified_students: number;
}

/** The whole leaderboard, in the order of CONTRACTS §4's query (qualified students descending, then id). */
export const BOARD_SQL = 'SELECT id, name, start_date, student_count, qualified_students FROM batches ORDER BY qualified_students DESC, id';
