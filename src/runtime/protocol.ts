// The wire messages of the runtime, declared once. Two kinds of channel exist:
//  - control: between the supervisor (main thread) and one worker (its parentPort);
//  - link: a MessagePort from one actor to another, carrying actor messages plus flow control.
import type { MessagePort } from 'node:worker_threads';
import type { SerializedError } from './errors.ts';

export interface ActorStats {
  /** Messages received and not yet handled, the one in hand included. Never above the capacity. */
  mailboxDepth: number;
  mailboxCapacity: number;
  handled: number;
  /** Bytes of this actor's V8 heap in use. */
  heapUsed: number;
  /** Counters the actor published with ctx.publish(). */
  counters: Record<string, number | string>;
}

/** Supervisor → worker. */
export type ToWorker =
  /** To a spare thread (started with no workerData): the actor it is to be. */
  | { t: 'init'; data: WorkerData }
  | { t: 'ping'; seq: number }
  | { t: 'stop' }
  | { t: 'inbound'; from: string; port: MessagePort }
  | { t: 'outbound'; to: string; port: MessagePort }
  | { t: 'connect-error'; to: string; message: string; gone: boolean }
  | { t: 'peer-down'; name: string };

/** Worker → supervisor. */
export type FromWorker =
  /** `inbox`: whether the actor accepts messages at all. */
  | { t: 'ready'; inbox: boolean }
  | { t: 'pong'; seq: number; stats: ActorStats }
  | { t: 'connect'; to: string }
  | { t: 'log'; event: string; fields: Record<string, unknown> }
  | { t: 'failed'; error: SerializedError };

/**
 * Flow-control frames on a link. Actor messages are objects with a `type`; control frames are
 * tuples, so one Array.isArray() tells them apart without wrapping every actor message.
 *  ['want']      sender → receiver: I have messages waiting and no credit.
 *  ['credit', n] receiver → sender: you may send n more messages.
 *  ['closing']   receiver → sender: I am stopping; send nothing more on this link.
 *  ['closed']    sender → receiver: nothing more follows on this link.
 */
export type LinkFrame = ['want'] | ['credit', number] | ['closing'] | ['closed'];

export interface WorkerData {
  name: string;
  module: string;
  args: unknown;
  mailboxCapacity: number;
}
