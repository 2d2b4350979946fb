// Wires actors to each other by name: a sender asks for a link, and gets a MessageChannel port
// to the receiver's current incarnation once that one is ready, or an error when none will come.
// Data then goes from worker to worker without passing through the supervisor's thread.
import { MessageChannel } from 'node:worker_threads';
import type { Incarnation } from './child.ts';
import { errors } from './errors.ts';

export interface Endpoint {
  name: string;
  /** The incarnation that can take links now, if any. */
  live(): Incarnation | null;
  /** True when the actor has stopped and will not be started again. */
  gone(): boolean;
}

export class Switchboard {
  private readonly waiting = new Map<string, Set<Incarnation>>();

  constructor(
    private readonly find: (name: string) => Endpoint | undefined,
    private readonly ownerOf: (inc: Incarnation) => string | undefined,
    private readonly names: () => string[],
  ) {}

  /** `from` wants to send to `to`: wire now, refuse, or wait until `to` is ready. */
  request(from: Incarnation, to: string): void {
    const target = this.find(to);
    if (target === undefined) return refuse(from, to, errors.noSuchActor(to, this.names()).message);
    if (target.gone()) return refuse(from, to, errors.goneForGood(to).message, true);
    const inc = target.live();
    if (inc !== null) return this.wire(from, inc);
    let set = this.waiting.get(to);
    if (set === undefined) this.waiting.set(to, (set = new Set()));
    set.add(from);
  }

  /** `name` is ready on `inc`: everyone waiting for it gets a link. */
  ready(name: string, inc: Incarnation): void {
    const waiting = this.waiting.get(name);
    this.waiting.delete(name);
    for (const from of waiting ?? []) this.wire(from, inc);
  }

  /** `name` will not run again: everyone waiting for it is told so. */
  gone(name: string): void {
    const waiting = this.waiting.get(name);
    this.waiting.delete(name);
    for (const from of waiting ?? []) refuse(from, name, errors.goneForGood(name).message, true);
  }

  private wire(from: Incarnation, to: Incarnation): void {
    const owner = this.ownerOf(from);
    if (owner === undefined || from.exited) return; // the requester is gone
    if (!to.hasInbox) return refuse(from, to.spec.name, errors.acceptsNothing(to.spec.name).message);
    const { port1, port2 } = new MessageChannel();
    to.post({ t: 'inbound', from: owner, port: port2 }, [port2]);
    from.post({ t: 'outbound', to: to.spec.name, port: port1 }, [port1]);
  }
}

function refuse(from: Incarnation, to: string, message: string, gone = false): void {
  if (!from.exited) from.post({ t: 'connect-error', to, message, gone });
}
