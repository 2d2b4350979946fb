// `batchboard status`: each actor's state, restarts, counters and last error, and the supervisor's
// recent lifecycle events (starts, crashes, restarts), from the running supervisor of the warehouse.
import { jsonVisible } from '../runtime/text.ts';
import type { ActorStatus, SupervisorEvent } from '../runtime/supervisor.ts';
import { ask } from './control.ts';
import { DEFAULT_WAREHOUSE, parseFlags, stringFlag } from './flags.ts';
import { formatTable } from './table.ts';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags('status', argv, { warehouse: { type: 'string' }, json: { type: 'boolean' } });
  const warehouse = stringFlag('status', values, 'warehouse') ?? DEFAULT_WAREHOUSE;
  const actors = (await ask('status', warehouse, { cmd: 'status' })) as ActorStatus[];
  if (values['json'] === true) {
    process.stdout.write(jsonVisible(JSON.stringify(actors, null, 2)) + '\n');
    return 0;
  }
  const events = (await ask('status', warehouse, { cmd: 'events' })) as SupervisorEvent[];
  process.stdout.write(formatStatus(actors) + formatEvents(events));
  return 0;
}

export function formatStatus(actors: ActorStatus[]): string {
  const rows = [['actor', 'state', 'thread', 'restarts', 'mailbox', 'handled', 'counters', 'last error']];
  for (const a of actors) {
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
    ]);
  }
  return formatTable(rows);
}

/** The recent lifecycle events, one line each, after a blank line; nothing when there are none. */
export function formatEvents(events: readonly SupervisorEvent[]): string {
  if (events.length === 0) return '';
  const rows = events.map((e) => {
    const { actor, ...rest } = e.fields;
    const detail = Object.entries(rest)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    return [new Date(e.at).toISOString().slice(11, 23), e.event, actor === undefined ? '-' : String(actor), detail];
  });
  return '\nrecent events:\n' + formatTable(rows).replace(/^/gm, '  ').trimEnd() + '\n';
}
