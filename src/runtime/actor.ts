// What an actor module is: `export default defineActor<In, Out>({...})`. The module is loaded in
// its own worker thread; its state lives in the closure that `create` returns.
import type { TransferListItem } from 'node:worker_threads';

/** Every actor message is an object with a literal string `type`: a discriminated union. */
export interface Message {
  type: string;
}

export interface ActorContext<Out extends Message> {
  readonly name: string;
  /** The child spec's `args`, structured-cloned into this thread. */
  readonly args: unknown;
  /** Aborted when a graceful stop begins: `run` loops watch it and return. */
  readonly signal: AbortSignal;
  /**
   * Sends to the actor named `to`. Resolves once the receiver's bounded mailbox has room reserved
   * for the message (the message is then accepted and will be handled unless the receiver
   * crashes); waits while it is full or the receiver is restarting. Messages to one receiver
   * arrive in the order sent. Many records belong in one message (an array, or a transferred
   * buffer), not one message each.
   *
   * Rejects when `to` names no actor, accepts no messages, or has stopped for good (temporary,
   * or transient and finished); and with SendAbandoned when this actor is stopping while `to`
   * is not running, a rejection the runtime does not count as a crash while stopping.
   */
  send(to: string, msg: Out, transfer?: readonly TransferListItem[]): Promise<void>;
  /** Counters shown by `status` (for example records/s, offsets, lag). Replaces earlier values of the same keys. */
  publish(counters: Record<string, number | string>): void;
  /** One structured log line, attributed to this actor. */
  log(event: string, fields?: Record<string, unknown>): void;
}

export interface Behaviour<In extends Message> {
  /** Handles one message; the next is not handed over before the returned promise settles. */
  handle?(msg: In): void | Promise<void>;
  /** A producer's loop, started once the actor is ready; must return soon after ctx.signal aborts. */
  run?(): Promise<void>;
  /** After the mailbox is drained on a graceful stop: flush and close resources. */
  stop?(): void | Promise<void>;
}

export interface ActorDefinition<In extends Message, Out extends Message> {
  /** The `type` tags this actor accepts; any other is a crash of this actor. */
  accepts: readonly In['type'][];
  create(ctx: ActorContext<Out>): Behaviour<In> | Promise<Behaviour<In>>;
}

export function defineActor<In extends Message, Out extends Message = Message>(
  def: ActorDefinition<In, Out>,
): ActorDefinition<In, Out> {
  return def;
}
