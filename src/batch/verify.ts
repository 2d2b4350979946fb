// `batchboard verify`: recomputes the warehouse from scratch over the sources as they are now and
// compares it with the stored one, field by field (CONTRACTS §4 "equal to the batch answer").
//
// The one difference by design: log lines the warehouse read before they were gone from the log
// (a truncation after them, a rotated file deleted) stay counted there (§3: they were in the log),
// while a from-scratch computation can only read what the files hold now. The warehouse remembers
// such losses (storage/history.ts); verify reads them and says that the differences may come from
// there, and which differences cannot: lost log lines only ever add completed lessons (so more
// `completed`, more `qualified_students`) and rejected test runs, never a row or any other field.
import type { BatchRow, StudentRow } from '../domain/aggregate.ts';
import type { Rejected, SourceName } from '../domain/records.ts';
import type { LostHistory } from '../storage/history.ts';
import { readWarehouse, type RejectedCounts } from '../storage/reader.ts';
import { isPostgresUrl, withoutCredentials } from '../domain/identity.ts';
import { SCHEMA_VERSION_WITH_EVENT_TIMES } from '../storage/schema.ts';
import { readAndCompute, type SourcesToRead } from './read-sources.ts';

/** Differences shown per kind (missing, extra, differing) and table; the totals count them all. */
export const SHOWN = 20;

export interface FieldDiff {
  field: string;
  warehouse: unknown;
  sources: unknown;
}

export interface RowDiff<R> {
  /** In the sources, not in the warehouse (the first SHOWN). */
  missing: R[];
  /** In the warehouse, not in the sources (the first SHOWN). */
  extra: R[];
  /** In both, with fields that differ (the first SHOWN): both rows, and the fields. */
  differing: { id: number; sources: R; warehouse: R; fields: FieldDiff[] }[];
  counts: {
    missing: number;
    extra: number;
    differing: number;
    sources: number;
    warehouse: number;
    /** Missing, extra and differing rows that lost log history cannot account for. */
    unexplained: number;
  };
}

export interface VerifyResult {
  warehouse: string;
  equal: boolean;
  batches: RowDiff<BatchRow>;
  students: RowDiff<StudentRow>;
  rejected: { sources: RejectedCounts; warehouse: RejectedCounts; equal: boolean; unexplained: boolean };
  /**
   * Log history the warehouse holds and the log no longer does (bytes read before a truncation or a
   * deleted rotated file; losses of 0 bytes left out), oldest first.
   */
  history: LostHistory[];
  /** Every difference is of a kind that the lost history makes (only meaningful when there is history). */
  explained: boolean;
  /**
   * The warehouse's schema version when it is older than event times (SQLite version 2 or 1, read
   * as it is: no qualified_at column, so qualified_at is not compared); null when compared.
   */
  qualifiedAtUnknown: string | null;
}

const BATCH_FIELDS = ['name', 'start_date', 'created_at', 'student_count', 'qualified_students'] as const;
const STUDENT_FIELDS = ['name', 'email', 'batch_id', 'created_at', 'completed', 'qualified_at'] as const;

/** A field that lost log lines can raise in the warehouse above what the sources give. */
const RAISED_BY_LOST_LINES: ReadonlySet<string> = new Set(['qualified_students', 'completed']);

/**
 * A difference lost log lines can make: a count raised, or a qualified_at set where the sources
 * give none, or earlier than theirs (more lessons, or earlier runs of them). Both are
 * YYYY-MM-DDTHH:MM:SS.sssZ, whose order as text is time's.
 */
const explicable = (f: FieldDiff): boolean =>
  f.field === 'qualified_at'
    ? typeof f.warehouse === 'string' && (f.sources === null || (typeof f.sources === 'string' && f.warehouse < f.sources))
    : RAISED_BY_LOST_LINES.has(f.field) && typeof f.warehouse === 'number' && typeof f.sources === 'number' && f.warehouse > f.sources;

export async function verify(o: SourcesToRead & { warehouse: string }, minLessons: number): Promise<VerifyResult> {
  // A missing or foreign warehouse fails before the sources are read; the warehouse itself is read
  // after them, so that a supervisor catching up meanwhile is compared at its newest.
  await readWarehouse(o.warehouse, () => undefined);
  const read = await readAndCompute(o, minLessons);
  const stored = await readWarehouse(o.warehouse, async (r) => ({ ...(await r.contents()), history: await r.lostHistory(), version: await r.meta('schema_version') }));
  const batches = compareRows(read.computed.batches, stored.batches, BATCH_FIELDS);
  // A SQLite warehouse older than event times (read as it is, not migrated: verify only reads).
  const qualifiedAtUnknown = !isPostgresUrl(o.warehouse) && Number(stored.version) < SCHEMA_VERSION_WITH_EVENT_TIMES ? (stored.version ?? 'none') : null;
  const students = compareRows(read.computed.students, stored.students, qualifiedAtUnknown === null ? STUDENT_FIELDS : STUDENT_FIELDS.filter((f) => f !== 'qualified_at'));
  const sources = countRejected(read.rejected);
  const names = Object.keys(sources) as SourceName[];
  const rejectedEqual = names.every((s) => sources[s] === stored.rejected[s]);
  // Lost lines can hold bad lines, rejected when they were read: more rejected test runs, nothing else.
  const rejectedUnexplained = names.some((s) => (s === 'test_runs' ? stored.rejected[s] < sources[s] : stored.rejected[s] !== sources[s]));
  const equal = rejectedEqual && [batches, students].every((d) => d.counts.missing + d.counts.extra + d.counts.differing === 0);
  const history = stored.history.filter((h) => h.pos > 0);
  return {
    warehouse: withoutCredentials(o.warehouse),
    equal,
    batches,
    students,
    rejected: { sources, warehouse: stored.rejected, equal: rejectedEqual, unexplained: rejectedUnexplained },
    history,
    explained: batches.counts.unexplained + students.counts.unexplained === 0 && !rejectedUnexplained,
    qualifiedAtUnknown,
  };
}

/** Both lists ascending by id: one merge walk. */
export function compareRows<R extends { id: number }>(sources: readonly R[], warehouse: readonly R[], fields: readonly (keyof R & string)[]): RowDiff<R> {
  const d: RowDiff<R> = {
    missing: [],
    extra: [],
    differing: [],
    counts: { missing: 0, extra: 0, differing: 0, sources: sources.length, warehouse: warehouse.length, unexplained: 0 },
  };
  let i = 0;
  let j = 0;
  while (i < sources.length || j < warehouse.length) {
    const a = sources[i];
    const b = warehouse[j];
    if (b === undefined || (a !== undefined && a.id < b.id)) {
      if (d.counts.missing++ < SHOWN) d.missing.push(a!);
      d.counts.unexplained++;
      i++;
    } else if (a === undefined || b.id < a.id) {
      if (d.counts.extra++ < SHOWN) d.extra.push(b);
      d.counts.unexplained++;
      j++;
    } else {
      const diff: FieldDiff[] = fields.filter((f) => a[f] !== b[f]).map((f) => ({ field: f, warehouse: b[f], sources: a[f] }));
      if (diff.length > 0) {
        if (d.counts.differing++ < SHOWN) d.differing.push({ id: a.id, sources: a, warehouse: b, fields: diff });
        if (!diff.every(explicable)) d.counts.unexplained++;
      }
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
