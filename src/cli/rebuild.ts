// `batchboard rebuild`: the warehouse computed from scratch over everything the sources hold now
// (src/batch/rebuild.ts), refused while a supervisor writes that warehouse.
import { rebuild } from '../batch/rebuild.ts';
import { withoutCredentials } from '../domain/identity.ts';
import { parseFlags } from './flags.ts';
import { minLessonsFor, SOURCE_FLAGS, sourceFlags, sourceFlagsHelp } from './source-flags.ts';
import { refuseIfRunning } from './control.ts';
import { historyProgress } from './progress.ts';
import { closeScanPools } from '../batch/scan/pool.ts';

const C = 'rebuild';

export const FLAGS_HELP = `batchboard rebuild --api URL --students PATH --log PATH --warehouse PATH [flags]
${sourceFlagsHelp("default: the warehouse's own, else 3")}
  --log PATH (again)     a PostgreSQL warehouse several pipelines write: --log once per pipeline's log`;

export async function run(argv: string[]): Promise<number> {
  const s = sourceFlags(C, parseFlags(C, argv, SOURCE_FLAGS).values, { manyLogs: true });
  await refuseIfRunning(C, s.warehouse);
  const minLessons = await minLessonsFor(s);
  const progress = historyProgress(C);
  let r;
  try {
    r = await rebuild(s, minLessons, (p) => progress.update(p));
  } finally {
    progress.stop();
    await closeScanPools();
  }
  const rej = r.rejected;
  process.stdout.write(
    `rebuilt warehouse ${withoutCredentials(s.warehouse)} from the sources in ${(r.ms / 1000).toFixed(1)} s: ` +
      `${r.batches} batches, ${r.students} students, ${r.completions} lessons completed (from ${r.runs} test runs), ` +
      `minimum ${minLessons} lessons; rejected records: ${rej.batches} batches, ${rej.students} students, ${rej.test_runs} test_runs.\n`,
  );
  return 0;
}
