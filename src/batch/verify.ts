// `batchboard verify`: recomputes the warehouse from scratch over the sources as they are now and
// compares it with the stored one, field by field (CONTRACTS §4 "equal to the batch answer").
//
// By design, verify reports differences after a log truncation: the streaming pipeline counted
// the lines it had read before the file was truncated (§3: they were in the log), while a
// from-scratch computation can only read what the files hold now (§4). Those differences are the
// truncated lines, not a fault of either side.
import type { BatchRow, StudentRow } from '../domain/aggregate.ts';
import type { Rejected, SourceName } from '../domain/records.ts';
import { readWarehouse, type RejectedCounts } from '../storage/reader.ts';
import { readAndCompute, type SourcesToRead } from './read-sources.ts';

/** Differences shown per kind (missing, extra, differing) and table; the totals count them all. */
export const SHOWN = 20;

export interface RowDiff<R> {
  missing: R[];
  extra: R[];
  differing: { id: number; fields: { field: string; warehouse: unknown; sources: unknown }[] }[];
  counts: { missing: number; extra: number; differing: number; sources: number; warehouse: number };
}

export interface VerifyResult {
  warehouse: string;
  equal: boolean;
  batches: RowDiff<BatchRow>;
  students: RowDiff<StudentRow>;
  rejected: { sources: RejectedCounts; warehouse: RejectedCounts; equal: boolean };
}

const BATCH_FIELDS = ['name', 'start_date', 'created_at', 'student_count', 'qualified_students'] as const;
const STUDENT_FIELDS = ['name', 'email', 'batch_id', 'created_at', 'completed'] as const;

export async function verify(o: SourcesToRead & { warehouse: string }, minLessons: number): Promise<VerifyResult> {
  // A missing or foreign warehouse fails before the sources are read; the warehouse itself is read
  // after them, so that a supervisor catching up meanwhile is compared at its newest.
  readWarehouse(o.warehouse, () => undefined);
  const read = await readAndCompute(o, minLessons);
  const stored = readWarehouse(o.warehouse, (r) => r.contents());
  const batches = compareRows(read.computed.batches, stored.batches, BATCH_FIELDS);
  const students = compareRows(read.computed.students, stored.students, STUDENT_FIELDS);
  const sources = countRejected(read.rejected);
  const rejectedEqual = (Object.keys(sources) as SourceName[]).every((s) => sources[s] === stored.rejected[s]);
  const equal = rejectedEqual && [batches, students].every((d) => d.counts.missing + d.counts.extra + d.counts.differing === 0);
  return { warehouse: o.warehouse, equal, batches, students, rejected: { sources, warehouse: stored.rejected, equal: rejectedEqual } };
}

/** Both lists ascending by id: one merge walk. */
function compareRows<R extends { id: number }>(sources: readonly R[], warehouse: readonly R[], fields: readonly (keyof R & string)[]): RowDiff<R> {
  const d: RowDiff<R> = {
    missing: [],
    extra: [],
    differing: [],
    counts: { missing: 0, extra: 0, differing: 0, sources: sources.length, warehouse: warehouse.length },
  };
  let i = 0;
  let j = 0;
  while (i < sources.length || j < warehouse.length) {
    const a = sources[i];
    const b = warehouse[j];
    if (b === undefined || (a !== undefined && a.id < b.id)) {
      if (d.counts.missing++ < SHOWN) d.missing.push(a!);
      i++;
    } else if (a === undefined || b.id < a.id) {
      if (d.counts.extra++ < SHOWN) d.extra.push(b);
      j++;
    } else {
      const diff = fields.filter((f) => a[f] !== b[f]).map((f) => ({ field: f, warehouse: b[f], sources: a[f] }));
      if (diff.length > 0 && d.counts.differing++ < SHOWN) d.differing.push({ id: a.id, fields: diff });
      i++;
      j++;
    }
  }
  return d;
}

/** Each rejected record once per (source, key), as the warehouse stores them. */
function countRejected(rows: readonly Rejected[]): RejectedCounts {
  const seen: Record<SourceName, Set<string>> = { batches: new Set(), students: new Set(), test_runs: new Set() };
  for (const r of rows) seen[r.source].add(r.key);
  return { batches: seen.batches.size, students: seen.students.size, test_runs: seen.test_runs.size };
}
