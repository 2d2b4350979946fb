// `batchboard status` and `batchboard restart ACTOR`: they find the running supervisor from the
// warehouse path alone, through the control socket beside it.
import { controlRequest, jsonVisible, visible, type ActorStatus } from '../runtime/index.ts';
import { controlSocketPath, DEFAULT_WAREHOUSE, parseFlags, stringFlag } from './flags.ts';
import { CommandFailed, UsageError } from './errors.ts';

async function ask(command: string, warehouse: string, req: Parameters<typeof controlRequest>[1]): Promise<unknown> {
  let res;
  try {
    res = await controlRequest(controlSocketPath(warehouse), req);
  } catch (err) {
    throw new UsageError(`${command}: ${(err as Error).message}`);
  }
  if (!res.ok) throw new CommandFailed(`${command}: ${res.error}`);
  return res.result;
}

export async function status(argv: string[]): Promise<number> {
  const { values } = parseFlags('status', argv, { warehouse: { type: 'string' }, json: { type: 'boolean' } });
  const warehouse = stringFlag('status', values, 'warehouse') ?? DEFAULT_WAREHOUSE;
  const actors = (await ask('status', warehouse, { cmd: 'status' })) as ActorStatus[];
  if (values.json) {
    process.stdout.write(jsonVisible(JSON.stringify(actors, null, 2)) + '\n');
    return 0;
  }
  process.stdout.write(formatStatus(actors));
  return 0;
}

export async function restart(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags('restart', argv, { warehouse: { type: 'string' } }, 1);
  const name = positionals[0];
  if (name === undefined) throw new UsageError('restart: name the actor to restart, e.g. batchboard restart LogTailer');
  const warehouse = stringFlag('restart', values, 'warehouse') ?? DEFAULT_WAREHOUSE;
  const started = Date.now();
  const s = (await ask('restart', warehouse, { cmd: 'restart', name })) as ActorStatus;
  process.stdout.write(`restarted ${visible(name)} in ${Date.now() - started} ms (thread ${s.threadId}, restarts ${s.restarts})\n`);
  return 0;
}

export function formatStatus(actors: ActorStatus[]): string {
  const rows = [['actor', 'state', 'thread', 'restarts', 'mailbox', 'handled', 'counters', 'last error']];
  for (const a of actors) {
    // Counters and errors carry text from the sources (an API's error body, a file name).
    rows.push([
      a.name,
      a.state,
      a.threadId === null ? '-' : String(a.threadId),
      String(a.restarts),
      `${a.mailboxDepth}/${a.mailboxCapacity}`,
      String(a.handled),
      Object.entries(a.counters)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ') || '-',
      a.lastError ?? '-',
    ].map(visible));
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}
