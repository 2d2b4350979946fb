// `batchboard restart ACTOR`: a hot restart of one actor of the running supervisor of the
// warehouse (of its pipeline --pipeline NAME, for a PostgreSQL warehouse several share).
import { visible } from '../runtime/text.ts';
import type { ActorStatus } from '../runtime/supervisor.ts';
import { ask, pipelinesOf } from './control.ts';
import { UsageError } from './errors.ts';
import { DEFAULT_WAREHOUSE, parseFlags, stringFlag } from './flags.ts';

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags('restart', argv, { warehouse: { type: 'string' }, pipeline: { type: 'string' } }, 1);
  const name = positionals[0];
  if (name === undefined) throw new UsageError('restart: name the actor to restart, e.g. batchboard restart LogTailer');
  const warehouse = stringFlag('restart', values, 'warehouse') ?? DEFAULT_WAREHOUSE;
  const running = await pipelinesOf('restart', warehouse, stringFlag('restart', values, 'pipeline'));
  if (running.length > 1) {
    throw new UsageError(`restart: several pipelines of this warehouse run here (${running.map((p) => p.pipeline).join(', ')}): name one with --pipeline NAME`);
  }
  const started = Date.now();
  const s = (await ask('restart', running[0]!.socket, { cmd: 'restart', name })) as ActorStatus;
  process.stdout.write(`restarted ${visible(name)} in ${Date.now() - started} ms (thread ${s.threadId}, restarts ${s.restarts})\n`);
  return 0;
}
