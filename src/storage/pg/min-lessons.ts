// A writer opened with another minimum of lessons than the warehouse's: the stored aggregates
// recounted for it, once, as the writer opens and before it writes anything.
import type pg from 'pg';
import * as SQL from './sql.ts';

/**
 * The minimum is a property of the stored aggregates: opened with another one, every batch's
 * qualified_students is recounted, in one transaction holding the write lock exclusively (no other
 * pipeline's transaction moves counts meanwhile; each reads the minimum under the lock).
 */
export async function useMinLessons(c: pg.Client, writeLock: string, min: number): Promise<void> {
  const stored = await c.query<{ value: string }>("SELECT value FROM meta WHERE key = 'min_lessons'");
  if (stored.rows[0]?.value === String(min)) return;
  await c.query(`BEGIN; SELECT pg_advisory_xact_lock(${writeLock})`);
  try {
    const again = await c.query<{ value: string }>("SELECT value FROM meta WHERE key = 'min_lessons'");
    if (again.rows[0]?.value !== String(min)) {
      if (again.rows[0] !== undefined) {
        await c.query(SQL.RECOUNT_QUALIFIED, [min, new Date().toISOString()]);
        await c.query(SQL.RECOMPUTE_QUALIFIED_AT, [min]);
      }
      await c.query("INSERT INTO meta (key, value) VALUES ('min_lessons', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [String(min)]);
    }
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
