// `batchboard rebuild`: the warehouse computed from scratch over everything the sources hold now
// (CONTRACTS §4, §5), written in one transaction together with the offsets reached, so that a
// later `batchboard start` on the same warehouse continues from there.
import { sourcesId } from '../cli/flags.ts';
import { Warehouse } from '../storage/warehouse.ts';
import { writeSnapshot, type SnapshotCounts } from '../storage/snapshot.ts';
import { asUsage, flagsHelp, parseBatchFlags, readAndCompute, refuseIfSupervised, resolveMinLessons, type BatchOptions } from './commands.ts';

export const FLAGS_HELP = flagsHelp('rebuild');

export interface RebuildResult extends SnapshotCounts {
  runs: number;
  minLessons: number;
  ms: number;
}

export async function rebuild(o: BatchOptions, command = 'rebuild'): Promise<RebuildResult> {
  const started = performance.now();
  await refuseIfSupervised(command, o.warehouse);
  const minLessons = resolveMinLessons(command, o);
  const read = await readAndCompute(command, o, minLessons);
  // Opened only now: a source that cannot be read leaves the warehouse as it was.
  const w = asUsage(command, () =>
    Warehouse.open(o.warehouse, {
      minLessons,
      sources: sourcesId({ api: o.api, students: o.students, log: o.log }),
      replaceSources: true,
    }),
  );
  try {
    const counts = asUsage(command, () => writeSnapshot(w, read.computed, read.offsets, read.rejected));
    w.checkpoint();
    return { ...counts, runs: read.runs, minLessons, ms: performance.now() - started };
  } finally {
    w.close();
  }
}

export async function run(argv: string[]): Promise<number> {
  const o = parseBatchFlags('rebuild', argv);
  const r = await rebuild(o);
  const rej = r.rejected;
  process.stdout.write(
    `rebuilt warehouse ${o.warehouse} from the sources in ${(r.ms / 1000).toFixed(1)} s: ` +
      `${r.batches} batches, ${r.students} students, ${r.completions} lessons completed (from ${r.runs} test runs), ` +
      `minimum ${r.minLessons} lessons; rejected records: ${rej.batches} batches, ${rej.students} students, ${rej.test_runs} test_runs.\n`,
  );
  return 0;
}
