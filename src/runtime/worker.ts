// The thread side of the runtime: loads one actor module, runs its mailbox, answers the
// supervisor's heartbeats and carries out graceful stops. Imports only common runtime code.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { getHeapStatistics } from 'node:v8';
import type { ActorContext, ActorDefinition, Behaviour, Message } from './actor.ts';
import type { FromWorker, ToWorker, WorkerData } from './protocol.ts';
import { Inbox, Outbound } from './link.ts';
import { errors, SendAbandoned, serializeError } from './errors.ts';

const control = parentPort!;
/** Which actor this thread runs: from workerData, or, for a spare thread started ahead (child.ts), from its first message. */
let data = workerData as WorkerData | null;
const post = (msg: FromWorker): void => control.postMessage(msg);

let reported = false;
const report = (err: unknown): void => {
  if (reported) return;
  reported = true;
  post({ t: 'failed', error: serializeError(err) });
};

/** A crash: reported, then rethrown outside any promise so the thread dies with this error. */
function crash(err: unknown): void {
  report(err);
  process.nextTick(() => {
    throw err;
  });
}

process.on('unhandledRejection', (err) => crash(err));
// An exception thrown from a timer or an I/O callback: reported here, in full, before the thread
// dies of it. The `error` event the supervisor gets instead structured-clones what was thrown, and
// a native library's error (better-sqlite3's SqliteError) arrives there as {code} alone.
process.on('uncaughtExceptionMonitor', (err) => report(err));

const outbound = new Map<string, Outbound>();
const abort = new AbortController();
const counters: Record<string, number | string> = {};
let behaviour: Behaviour<Message> = {};
let stopping = false;

function outboundTo(to: string): Outbound {
  let link = outbound.get(to);
  if (link === undefined) {
    link = new Outbound(to, (name) => post({ t: 'connect', to: name }));
    outbound.set(to, link);
  }
  return link;
}

let inbox: Inbox | null = null;
let running: Promise<void> | null = null;

control.on('message', (msg: ToWorker) => {
  switch (msg.t) {
    case 'init':
      if (data !== null) throw new Error(`thread of '${data.name}' told to be '${msg.data.name}'`);
      data = msg.data;
      boot(msg.data).catch(crash);
      return;
    case 'ping':
      post({
        t: 'pong',
        seq: msg.seq,
        stats: {
          mailboxDepth: inbox?.depth ?? 0,
          mailboxCapacity: data?.mailboxCapacity ?? 0,
          handled: inbox?.handled ?? 0,
          heapUsed: getHeapStatistics().used_heap_size,
          counters,
        },
      });
      return;
    case 'inbound':
      if (inbox === null) {
        msg.port.close();
        return;
      }
      inbox.add(msg.from, msg.port);
      return;
    case 'outbound':
      outboundTo(msg.to).attach(msg.port as MessagePort);
      return;
    case 'connect-error':
      outboundTo(msg.to).connectFailed(msg.message, msg.gone);
      return;
    case 'peer-down':
      outbound.get(msg.name)?.detach();
      return;
    case 'stop':
      void stop().catch(crash);
      return;
    default: {
      const never: never = msg;
      throw new Error(`unknown control message ${JSON.stringify(never)}`);
    }
  }
});

// Graceful stop: stop producing, let every sender finish, handle what was accepted, flush, exit 0.
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  abort.abort();
  for (const link of outbound.values()) link.abandonIfDisconnected();
  if (running !== null) await running;
  if (inbox !== null) await inbox.drain();
  await behaviour.stop?.();
  for (const link of outbound.values()) link.close();
  process.exit(0);
}

async function boot(data: WorkerData): Promise<void> {
  const ctx: ActorContext<Message> = {
    name: data.name,
    args: data.args,
    signal: abort.signal,
    send: (to, msg, transfer) => outboundTo(to).send(msg, transfer),
    publish(values) {
      Object.assign(counters, values);
    },
    log(event, fields = {}) {
      post({ t: 'log', event, fields });
    },
  };
  const mod = (await import(data.module)) as { default?: ActorDefinition<Message, Message> };
  const def = mod.default;
  if (def === undefined || typeof def !== 'object') {
    throw errors.badActorModule(data.module, 'it has no default export from defineActor()');
  }
  if (!Array.isArray(def.accepts) || typeof def.create !== 'function') {
    throw errors.badActorModule(data.module, 'its default export needs `accepts` (an array) and `create` (a function)');
  }
  behaviour = await def.create(ctx);
  const handle = behaviour.handle;
  if (handle !== undefined) {
    inbox = new Inbox(data.name, data.mailboxCapacity, new Set(def.accepts), (m) => handle(m), crash, () => stopping);
  } else if (def.accepts.length > 0) {
    throw errors.badActorModule(data.module, 'it accepts messages but has no `handle`');
  }
  post({ t: 'ready', inbox: inbox !== null });
  if (behaviour.run !== undefined) {
    running = behaviour.run().then(
      () => {
        // A producer whose loop ends on its own has finished its work: a normal exit.
        if (!stopping) void stop().catch(crash);
      },
      (err: unknown) => {
        // A send given up because this actor is stopping is part of stopping, not a crash.
        if (!(stopping && err instanceof SendAbandoned)) crash(err);
      },
    );
  }
}

if (data !== null) boot(data).catch(crash);
