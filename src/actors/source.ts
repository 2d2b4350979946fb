// One lifecycle for the three sources (BatchFetcher, StudentWatcher, LogTailer): the actor wiring
// that each of them would otherwise write again.
//
// - Session: every incarnation says `hello` with a fresh session id and reads from the `resume` it
//   is answered with, the offset the warehouse holds; never from memory. Messages of another
//   session or source are ignored (messages.ts says why sessions exist).
// - Arguments: checked up front with one helper and one wording (args.ts).
// - Counters, one scheme for every source: `records` and `rejected` sent, `rate` (records/s),
//   `lag` with `lag_unit` (bytes, rows or ms), `offset` (where it has read to) and `committed`
//   (what the warehouse holds), plus what a source adds of its own.
// - Waiting: one Waker, woken by acks and by the source's own events, ended by the stop.
//
// The reading itself lives in src/sources/; a source actor module is the wiring between the two.
// The runtime's modules one by one, not its index: an actor's thread need not load the supervisor
// (measured: 37 ms against 10 ms in a fresh thread, most of a hot restart's share).
import { defineActor, type ActorDefinition } from '../runtime/actor.ts';
import { Waker } from '../runtime/waker.ts';
import type { SourceName } from '../domain/records.ts';
import type { Offsets } from '../domain/offsets.ts';
import { Args } from './args.ts';
import { RateMeter } from './meters.ts';
import { ACTORS, newSession, type BatchesMsg, type Committed, type Resume, type RunsMsg, type StudentsMsg, type ToAggregator, type ToSource } from './messages.ts';

/** `hello` is said again this often until `resume` comes: defensive, should a hello go unanswered. */
export const HELLO_AGAIN_MS = 5_000;

export type ResumeOf<S extends SourceName> = Extract<Resume, { source: S }>;
export type CommittedOf<S extends SourceName> = Extract<Committed, { source: S }>;
type RecordsOf<S extends SourceName> = S extends 'batches' ? BatchesMsg : S extends 'students' ? StudentsMsg : RunsMsg;
/** A record message as a source writes it: the session is filled in. */
export type Outgoing<S extends SourceName> = Omit<RecordsOf<S>, 'session'>;

export type LagUnit = 'bytes' | 'rows' | 'ms';
/** An offset of source S as stored (the log's is null before anything was read). */
export type Offset<S extends SourceName> = Offsets[S];

export interface SourceContext<S extends SourceName> {
  readonly signal: AbortSignal;
  /** To the Aggregator, in this session; resolves once its mailbox took the message (waits while it is full). */
  send(msg: Outgoing<S>, transfer?: ArrayBuffer[]): Promise<void>;
  /** Records and rejected records sent: the `records`, `rejected` and `rate` counters. */
  counted(records: number, rejected: number): void;
  /** Where the source has read to and, when known, how far behind the source's end it is. */
  position(offset: number | string, lag?: number | string): void;
  /** Counters of this source's own, beside the standard ones. */
  publish(counters: Record<string, number | string>): void;
  log(event: string, fields?: Record<string, unknown>): void;
  /** Sleeps until woken (an ack came, or wake()), stopped, or `ms` passed; with `done`, until done() holds. */
  sleep(ms: number, done?: () => boolean): Promise<boolean>;
  /** Waits `ms` whatever wakes come; ends early only when stopped. */
  pause(ms: number): Promise<boolean>;
  wake(): void;
}

export interface SourceBehaviour<S extends SourceName> {
  /** Reads from the offset the warehouse holds, sending as it goes, until ctx.signal aborts. */
  run(from: ResumeOf<S>): Promise<void>;
  /** The warehouse committed this session's records up to `ack.offset`. */
  committed?(ack: CommittedOf<S>): void;
  /** After run() returned and the mailbox is drained: close what is open. */
  stop?(): void;
}

export interface SourceDefinition<S extends SourceName, A> {
  source: S;
  lagUnit: LagUnit;
  /** Reads and checks the actor's args; throws ArgsError naming a bad field. */
  args(a: Args): A;
  /** An offset as the `offset` and `committed` counters show it. */
  shown(offset: Offset<S>): number | string;
  create(ctx: SourceContext<S>, args: A): SourceBehaviour<S>;
}

export function defineSource<S extends SourceName, A>(def: SourceDefinition<S, A>): ActorDefinition<ToSource, ToAggregator> {
  return defineActor<ToSource, ToAggregator>({
    accepts: ['resume', 'committed'],
    create(actor) {
      const args = def.args(new Args(ACTORS[def.source], actor.args));
      const session = newSession();
      const waker = new Waker(actor.signal);
      const meter = new RateMeter();
      let rejected = 0;
      let resume: ResumeOf<S> | null = null;
      const ctx: SourceContext<S> = {
        signal: actor.signal,
        send: (msg, transfer) => actor.send(ACTORS.aggregator, { ...msg, session } as unknown as ToAggregator, transfer),
        counted(records, rejectedNow) {
          meter.add(records);
          rejected += rejectedNow;
          actor.publish({ records: meter.count, rejected, rate: meter.rate() });
        },
        position(offset, lag) {
          actor.publish({ offset, ...(lag === undefined ? {} : { lag }) });
        },
        publish: (counters) => actor.publish(counters),
        log: (event, fields) => actor.log(event, fields),
        sleep: (ms, done) => waker.sleep(ms, done),
        pause: (ms) => waker.pause(ms),
        wake: () => waker.wake(),
      };
      const behaviour = def.create(ctx, args);
      actor.publish({ records: 0, rejected: 0, rate: 0, lag: 0, lag_unit: def.lagUnit, offset: '-', committed: '-' });

      return {
        handle(msg) {
          // Another session's (an earlier incarnation's hello was answered late) or another source's.
          if (msg.source !== def.source || msg.session !== session) return;
          switch (msg.type) {
            case 'resume':
              resume ??= msg as ResumeOf<S>;
              break;
            case 'committed': {
              const ack = msg as CommittedOf<S>;
              actor.publish({ committed: def.shown(ack.offset as Offset<S>) });
              behaviour.committed?.(ack);
              break;
            }
            default: {
              const never: never = msg;
              throw new Error(`${ACTORS[def.source]}: unexpected message ${JSON.stringify(never)}`);
            }
          }
          waker.wake();
        },

        async run() {
          while (resume === null && !actor.signal.aborted) {
            await actor.send(ACTORS.aggregator, { type: 'hello', source: def.source, session });
            await waker.sleep(HELLO_AGAIN_MS, () => resume !== null);
          }
          if (resume === null) return;
          const at = def.shown(resume.offset as Offset<S>);
          actor.publish({ offset: at, committed: at });
          // The rate decays to 0 when nothing arrives: refreshed between records too.
          const rateTimer = setInterval(() => actor.publish({ rate: meter.rate() }), 1_000);
          try {
            await behaviour.run(resume);
          } finally {
            clearInterval(rateTimer);
          }
        },

        stop() {
          behaviour.stop?.();
        },
      };
    },
  });
}
