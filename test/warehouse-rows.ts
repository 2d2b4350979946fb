// The warehouse's contract tables (CONTRACTS §4) as an outside tool reads them, and the
// simulator's expectation in the same shape: shared by the batch and end-to-end tests.
import fs from 'node:fs';
import Database from 'better-sqlite3';
import type { ExpectedWarehouse } from '../src/simulator/index.ts';

export interface ContractTables {
  batches: Pick<ExpectedWarehouse['batches'][number], 'id' | 'name' | 'start_date' | 'created_at' | 'student_count' | 'qualified_students'>[];
  students: Pick<ExpectedWarehouse['students'][number], 'id' | 'name' | 'email' | 'batch_id' | 'created_at' | 'completed'>[];
  rejected: ExpectedWarehouse['rejected'];
}

/** The contract tables, read-only in one snapshot, rows by id; null before the warehouse exists. */
export function readContractTables(file: string): ContractTables | null {
  if (!fs.existsSync(file)) return null;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 2000');
    return db.transaction(() => {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
      if (!tables.includes('batches')) return null;
      const batches = db.prepare('SELECT id, name, start_date, created_at, student_count, qualified_students FROM batches ORDER BY id').all() as ContractTables['batches'];
      const students = db.prepare('SELECT id, name, email, batch_id, created_at, completed FROM students ORDER BY id').all() as ContractTables['students'];
      const rejected = { batches: 0, students: 0, test_runs: 0 };
      for (const r of db.prepare('SELECT source, count(*) AS n FROM rejected_records GROUP BY source').all() as { source: keyof typeof rejected; n: number }[]) {
        rejected[r.source] = r.n;
      }
      return { batches, students, rejected };
    })();
  } finally {
    db.close();
  }
}

/** `expected()` as plain rows in the warehouse's column order, by id; `since` drops older batches. */
export function plainRows(w: ExpectedWarehouse, since?: string): ContractTables {
  const keep = (b: { created_at: string }) => since === undefined || b.created_at >= `${since}T00:00:00.000Z`;
  return {
    batches: w.batches
      .filter(keep)
      .map((b) => ({ id: b.id, name: b.name, start_date: b.start_date, created_at: b.created_at, student_count: b.student_count, qualified_students: b.qualified_students }))
      .sort((a, b) => a.id - b.id),
    students: w.students
      .map((s) => ({ id: s.id, name: s.name, email: s.email, batch_id: s.batch_id, created_at: s.created_at, completed: s.completed }))
      .sort((a, b) => a.id - b.id),
    rejected: w.rejected,
  };
}
