// `batchboard verify`: recomputes the warehouse from scratch over the sources as they are now and
// compares it with the stored one, field by field (CONTRACTS §4 "equal to the batch answer").
//
// By design, verify reports differences after a log truncation: the streaming pipeline counted
// the lines it had read before the file was truncated (§3: they were in the log), while a
// from-scratch computation can only read what the files hold now (§4). Those differences are the
// truncated lines, not a fault of either side.
import type { BatchRow, StudentRow } from '../domain/aggregate.ts';
import type { Rejected, SourceName } from '../domain/records.ts';
import { openReadOnly, readWarehouse, type RejectedCounts } from '../storage/snapshot.ts';
import { jsonVisible } from '../runtime/index.ts';
import { asUsage, flagsHelp, parseBatchFlags, readAndCompute, resolveMinLessons, type BatchOptions } from './commands.ts';

export const FLAGS_HELP = flagsHelp('verify');

/** Differences shown per kind (missing, extra, differing) and table; the totals count them all. */
export const SHOWN = 20;

interface RowDiff<R> {
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

export async function verify(o: BatchOptions, command = 'verify'): Promise<VerifyResult> {
  const minLessons = resolveMinLessons(command, o);
  // A missing or foreign warehouse fails before the sources are read; the warehouse itself is read
  // after them, so that a supervisor catching up meanwhile is compared at its newest.
  asUsage(command, () => openReadOnly(o.warehouse).close());
  const read = await readAndCompute(command, o, minLessons);
  const stored = asUsage(command, () => readWarehouse(o.warehouse));
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

/** A value as JSON, safe on a terminal: names come from the sources. */
const shown = (v: unknown): string => jsonVisible(JSON.stringify(v));

export function formatDifferences(r: VerifyResult): string {
  const out = [`warehouse ${r.warehouse} differs from the sources:`];
  const table = <R extends { id: number }>(kind: string, one: string, d: RowDiff<R>) => {
    const c = d.counts;
    out.push(`${kind}: ${c.sources} in the sources, ${c.warehouse} in the warehouse; ${c.missing} missing, ${c.extra} extra, ${c.differing} differing`);
    for (const row of d.missing) out.push(`  missing ${one} ${row.id}: ${shown(row)}`);
    if (c.missing > d.missing.length) out.push(`  ... and ${c.missing - d.missing.length} more missing`);
    for (const row of d.extra) out.push(`  extra ${one} ${row.id}: ${shown(row)}`);
    if (c.extra > d.extra.length) out.push(`  ... and ${c.extra - d.extra.length} more extra`);
    for (const row of d.differing) {
      const fields = row.fields.map((f) => `${f.field} warehouse ${shown(f.warehouse)}, sources ${shown(f.sources)}`);
      out.push(`  ${one} ${row.id} differs: ${fields.join('; ')}`);
    }
    if (c.differing > d.differing.length) out.push(`  ... and ${c.differing - d.differing.length} more differing`);
  };
  table('batches', 'batch', r.batches);
  table('students', 'student', r.students);
  const { sources, warehouse } = r.rejected;
  const per = (c: RejectedCounts) => `${c.batches} batches, ${c.students} students, ${c.test_runs} test_runs`;
  out.push(`rejected records: sources ${per(sources)}; warehouse ${per(warehouse)}${r.rejected.equal ? '' : ' (differ)'}`);
  return out.join('\n') + '\n';
}

export async function run(argv: string[]): Promise<number> {
  const o = parseBatchFlags('verify', argv);
  const r = await verify(o);
  if (r.equal) {
    process.stdout.write(`warehouse ${o.warehouse} equals the sources: ${r.batches.counts.warehouse} batches, ${r.students.counts.warehouse} students\n`);
    return 0;
  }
  process.stdout.write(formatDifferences(r));
  return 1;
}
