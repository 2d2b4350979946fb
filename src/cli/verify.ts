// `batchboard verify`: recomputes the warehouse from scratch and compares it with the stored one
// (src/batch/verify.ts); exit 0 when equal, 1 with the differences.
import { verify, type RowDiff, type VerifyResult } from '../batch/verify.ts';
import type { RejectedCounts } from '../storage/reader.ts';
import { jsonVisible } from '../runtime/text.ts';
import { parseFlags } from './flags.ts';
import { minLessonsFor, SOURCE_FLAGS, sourceFlags, sourceFlagsHelp } from './source-flags.ts';

const C = 'verify';

export const FLAGS_HELP = `batchboard verify --api URL --students PATH --log PATH --warehouse PATH [flags]
${sourceFlagsHelp("default: the warehouse's own, else 3")}`;

export async function run(argv: string[]): Promise<number> {
  const s = sourceFlags(C, parseFlags(C, argv, SOURCE_FLAGS).values);
  const r = await verify(s, minLessonsFor(s));
  if (r.equal) {
    process.stdout.write(`warehouse ${s.warehouse} equals the sources: ${r.batches.counts.warehouse} batches, ${r.students.counts.warehouse} students\n`);
    return 0;
  }
  process.stdout.write(formatDifferences(r));
  return 1;
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
