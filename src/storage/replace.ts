// `rebuild`'s write into SQLite: the whole contents replaced by a computed warehouse, inside the
// transaction the writer opened (Warehouse.replaceAll), so that a reader sees the old warehouse or
// the new one, never a mix, and a crash half-way leaves the old one.
import type Database from 'better-sqlite3';
import type { Rejected } from '../domain/records.ts';
import type { CompletionSet, ComputedWarehouse } from '../domain/aggregate.ts';
import type { Offsets } from '../domain/offsets.ts';
import { rejectedCounts, type RejectedCounts } from './reader.ts';
import { BULK_INDEXES } from './schema.ts';
import { storeRejected, type Statements } from './statements.ts';
import { ListWriter, RowWriter } from './row-writer.ts';

/** What `replaceAll` stored. */
export interface SnapshotCounts {
  batches: number;
  students: number;
  completions: number;
  rejected: RejectedCounts;
}

/**
 * Empties every table and writes `snap`, its completions, the rejected records (each (source,
 * key) once, as streaming stores them) and the offsets reached.
 */
export function writeSnapshot(
  db: Database.Database,
  st: Statements,
  snap: ComputedWarehouse,
  offsets: Offsets,
  rejected: readonly Rejected[],
  completions: CompletionSet,
  now: string,
): SnapshotCounts {
  // log_history too: rebuilt from what the sources hold now, the warehouse holds no lost history.
  for (const table of ['batches', 'students', 'completions', 'completion_lists', 'rejected_records', 'offsets', 'log_history']) db.exec(`DELETE FROM ${table}`);
  for (const i of BULK_INDEXES) db.exec(`DROP INDEX IF EXISTS ${i.name}`);
  for (const b of snap.batches) st.insertBatch.run(b.id, b.name, b.start_date, b.created_at, b.student_count, b.qualified_students, now);
  const rows = new RowWriter(st.insertStudentRow, st.insertStudentRows, 7);
  for (const s of snap.students) rows.add(s.id, s.name, s.email, s.batch_id, s.created_at, s.completed, s.qualified_at);
  rows.end();
  // Distinct pairs, ascending by student (computeWarehouse's): one list row per student, each a
  // view into the columns of every lesson and time (no copy per student).
  const { students, starts, lessons, times } = completions.columns();
  const lists = new ListWriter(st);
  for (let k = 0; k < students.length; k++) lists.add(students[k]!, lessons.subarray(starts[k]!, starts[k + 1]!), times.subarray(starts[k]!, starts[k + 1]!));
  lists.end();
  for (const i of BULK_INDEXES) db.exec(i.create);
  storeRejected(st, rejected, now);
  // Readers that kept what they read of completion_lists (student-lessons.ts) learn it is new.
  st.setMeta.run('rebuilt_at', now);
  st.setOffset.run('batches', JSON.stringify(offsets.batches), now);
  st.setOffset.run('students', JSON.stringify(offsets.students), now);
  if (offsets.test_runs !== null) st.setOffset.run('test_runs', JSON.stringify(offsets.test_runs), now);
  return { batches: snap.batches.length, students: snap.students.length, completions: completions.size, rejected: rejectedCounts(db) };
}
