// The two warehouse backends, for tests that run against both (CONTRACTS §4 and §4b): a fresh
// warehouse of each kind, and the contract tables read the way an outside tool reads them (the
// SQLite file read-only; PostgreSQL at REPEATABLE READ, one snapshot for every table read).
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createTestDatabase } from '../src/storage/pg/test-db.ts';
import type { ContractTables } from './warehouse-rows.ts';

export type Backend = 'sqlite' | 'postgres';
export const BACKENDS: readonly Backend[] = ['sqlite', 'postgres'];

export const isPg = (warehouse: string): boolean => /^postgres(ql)?:\/\//i.test(warehouse);

/** A new, empty warehouse: a file name in `dir`, or a database of its own dropped after the test. */
export async function newWarehouse(t: ExecutionContext, backend: Backend, dir: string, name = 'warehouse.db'): Promise<string> {
  if (backend === 'sqlite') return path.join(dir, name);
  const db = await createTestDatabase(undefined, t.title.slice(0, 20));
  t.teardown(() => db.drop());
  return db.url;
}

/** The rows a reader takes from one snapshot, whichever the backend; null while the warehouse has no tables. */
export async function snapshot<T>(warehouse: string, read: (q: (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>) => Promise<T>): Promise<T | null> {
  if (!isPg(warehouse)) {
    let db;
    try {
      db = new Database(warehouse, { readonly: true, fileMustExist: true });
    } catch {
      return null;
    }
    try {
      db.pragma('busy_timeout = 2000');
      db.prepare('BEGIN').run();
      try {
        if (db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'batches'").pluck().get() === 0) return null;
        // Synchronous underneath: the whole read happens inside this one transaction.
        return await read(async (sql, params = []) => db.prepare(sql.replace(/\$\d+/g, '?')).all(...params) as Record<string, unknown>[]);
      } finally {
        db.prepare('COMMIT').run();
      }
    } finally {
      db.close();
    }
  }
  const c = new pg.Client({ connectionString: warehouse });
  c.on('error', () => {});
  await c.connect();
  try {
    await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const has = await c.query("SELECT to_regclass('batches') IS NOT NULL AS has");
    if (!has.rows[0].has) return null;
    return await read(async (sql, params = []) => (await c.query(sql, params)).rows as Record<string, unknown>[]);
  } finally {
    await c.end();
  }
}

/** Dates and times as the SQLite warehouse holds them: start_date YYYY-MM-DD, created_at ISO 8601 UTC with ms. */
const ts = (col: string, pg: boolean): string => (pg ? `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ${col}` : col);
const date = (col: string, pg: boolean): string => (pg ? `to_char(${col}, 'YYYY-MM-DD') AS ${col}` : col);
const int = (col: string, pg: boolean): string => (pg ? `${col}::float8 AS ${col}` : col);

/** The contract tables (rows by id) from one snapshot; null before the warehouse has tables. */
export function readContractTables(warehouse: string): Promise<ContractTables | null> {
  const p = isPg(warehouse);
  return snapshot(warehouse, async (q) => {
    const batches = (await q(
      `SELECT ${int('id', p)}, name, ${date('start_date', p)}, ${ts('created_at', p)}, ${int('student_count', p)}, ${int('qualified_students', p)} FROM batches ORDER BY id`,
    )) as ContractTables['batches'];
    const students = (await q(
      `SELECT ${int('id', p)}, name, email, ${int('batch_id', p)}, ${ts('created_at', p)}, ${int('completed', p)} FROM students ORDER BY id`,
    )) as ContractTables['students'];
    const rejected = { batches: 0, students: 0, test_runs: 0 };
    for (const r of await q('SELECT source, count(*) AS n FROM rejected_records GROUP BY source')) {
      rejected[r['source'] as keyof typeof rejected] = Number(r['n']);
    }
    return { batches, students, rejected };
  });
}

/** Batches whose stored aggregates disagree with the students rows of the same snapshot (CONTRACTS §4); [] when consistent. */
export async function inconsistentBatches(warehouse: string, minLessons = 3): Promise<Record<string, unknown>[]> {
  const rows = await snapshot(warehouse, (q) =>
    q(
      `SELECT b.id, b.student_count, b.qualified_students, coalesce(s.n, 0) AS students, coalesce(s.q, 0) AS qualified
       FROM batches b LEFT JOIN (
         SELECT batch_id, count(*) AS n, sum(CASE WHEN completed >= $1 THEN 1 ELSE 0 END) AS q FROM students GROUP BY batch_id
       ) s ON s.batch_id = b.id
       WHERE b.student_count != coalesce(s.n, 0) OR b.qualified_students != coalesce(s.q, 0)`,
      [minLessons],
    ),
  );
  // PostgreSQL's bigint and count(*) come as strings.
  return (rows ?? []).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? v : Number(v)])));
}

/** Records committed so far (batches, students, their completed lessons): grows as the pipeline commits; 0 before the warehouse exists. */
export async function committed(warehouse: string): Promise<number> {
  try {
    const r = await snapshot(warehouse, (q) =>
      q('SELECT (SELECT count(*) FROM batches) + (SELECT count(*) FROM students) + (SELECT coalesce(sum(completed), 0) FROM students) AS n'),
    );
    return r === null ? 0 : Number(r[0]!['n']);
  } catch {
    return 0;
  }
}
