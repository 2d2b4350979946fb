// The warehouse's contract tables (CONTRACTS §4) in the shape the tests compare, and the
// simulator's expectation in that shape (backends.ts reads them from either backend).
import type { ExpectedWarehouse } from '../src/simulator/index.ts';

export interface ContractTables {
  batches: Pick<ExpectedWarehouse['batches'][number], 'id' | 'name' | 'start_date' | 'created_at' | 'student_count' | 'qualified_students'>[];
  students: Pick<ExpectedWarehouse['students'][number], 'id' | 'name' | 'email' | 'batch_id' | 'created_at' | 'completed'>[];
  rejected: ExpectedWarehouse['rejected'];
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
