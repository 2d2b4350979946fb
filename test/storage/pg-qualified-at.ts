// CONTRACTS §4's qualified_at, checked in a PostgreSQL warehouse from its own rows in one statement
// (one snapshot): each student's qualified_at is the min-th earliest completed_at among its
// completions (NULL with fewer, or where that time is not known). The companion of
// brokenInvariant (src/storage/pg/test-db.ts), which checks the counts.
import type pg from 'pg';

/** Students whose qualified_at is not what their completions make it, as 's<id>'; [] when all are right. */
export async function brokenQualifiedAt(c: pg.Client, min: number): Promise<string[]> {
  const r = await c.query<{ what: string }>(
    `SELECT 's' || s.id AS what FROM students s
     WHERE s.qualified_at IS DISTINCT FROM (
       SELECT (array_agg(c.completed_at ORDER BY c.completed_at ASC NULLS LAST))[$1::int]
       FROM completions c WHERE c.student_id = s.id)`,
    [min],
  );
  return r.rows.map((x) => x.what);
}
