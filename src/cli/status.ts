// `batchboard status`: each actor's state, restarts, counters and last error, and the supervisor's
// recent lifecycle events (starts, crashes, restarts), from the running supervisor of the
// warehouse; of each of its pipelines on this machine, for a PostgreSQL warehouse shared by several.
import { jsonVisible, visible } from '../runtime/text.ts';
import type { ActorStatus, SupervisorEvent } from '../runtime/supervisor.ts';
import { ask, pipelinesOf } from './control.ts';
import { DEFAULT_WAREHOUSE, parseFlags, stringFlag } from './flags.ts';
import { formatTable } from './table.ts';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags('status', argv, { warehouse: { type: 'string' }, pipeline: { type: 'string' }, json: { type: 'boolean' } });
  const warehouse = stringFlag('status', values, 'warehouse') ?? DEFAULT_WAREHOUSE;
  const running = await pipelinesOf('status', warehouse, stringFlag('status', values, 'pipeline'));
  const json = values['json'] === true;
  const out: string[] = [];
  const all: { pipeline: string; actors: ActorStatus[] }[] = [];
  for (const p of running) {
    const actors = (await ask('status', p.socket, { cmd: 'status' })) as ActorStatus[];
    if (json) {
      all.push({ pipeline: p.pipeline ?? 'default', actors });
      continue;
    }
    const events = (await ask('status', p.socket, { cmd: 'events' })) as SupervisorEvent[];
    out.push((p.pipeline === null ? '' : `pipeline ${visible(p.pipeline)}\n`) + formatStatus(actors) + formatEvents(events));
  }
  // --json: the actors of a SQLite warehouse's pipeline, as always; {pipeline, actors}[] for a shared warehouse.
  if (json) process.stdout.write(jsonVisible(JSON.stringify(running[0]!.pipeline === null ? all[0]!.actors : all, null, 2)) + '\n');
  else process.stdout.write(out.join('\n'));
  return 0;
}

/** Counters for machines, left out of the table (`--json` has them): /metrics' freshness buckets. */
const NOT_SHOWN = new Set(['freshness_hist']);

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
        .filter(([k]) => !NOT_SHOWN.has(k))
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
