// Bounded mailboxes with credit-based flow control over MessagePorts.
//
// The receiver owns `capacity` slots. A sender may post only with a credit, and the receiver
// hands out credits only for free slots, so queued + in hand + granted-but-unused <= capacity:
// the mailbox never grows past its bound and nothing is dropped; a sender without credit waits.
import type { MessagePort, TransferListItem } from 'node:worker_threads';
import type { LinkFrame } from './protocol.ts';
import type { Message } from './actor.ts';
import { errors, ReceiverGone, RuntimeError, SendAbandoned } from './errors.ts';

interface Pending {
  msg: Message;
  transfer: readonly TransferListItem[] | undefined;
  resolve: () => void;
  reject: (err: Error) => void;
}

const RESOLVED = Promise.resolve();

/** The sending end towards one named actor; outlives the receiver's restarts. */
export class Outbound {
  private port: MessagePort | null = null;
  private credits = 0;
  private wanting = false;
  private connecting = false;
  private abandoning = false;
  private readonly pending: Pending[] = [];
  sent = 0;

  constructor(
    readonly to: string,
    private readonly requestConnect: (to: string) => void,
  ) {}

  send(msg: Message, transfer?: readonly TransferListItem[]): Promise<void> {
    // Fast path: connected, credit in hand, nobody queued ahead of us.
    if (this.port !== null && this.credits > 0 && this.pending.length === 0) {
      this.credits--;
      this.post(msg, transfer);
      return RESOLVED;
    }
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ msg, transfer, resolve, reject });
      this.pump();
    });
  }

  attach(port: MessagePort): void {
    this.connecting = false;
    this.port = port;
    this.credits = 0;
    this.wanting = false;
    port.on('message', (frame: LinkFrame) => this.onFrame(port, frame));
    // The receiver's thread ended: its port closes after every frame it sent was delivered.
    port.on('close', () => {
      if (this.port === port) this.detach();
    });
    this.pump();
  }

  /** The receiver is gone (crashed or exited): messages it had accepted are lost with it. */
  detach(): void {
    if (this.port === null) return;
    this.port.close();
    this.port = null;
    this.credits = 0;
    this.wanting = false;
    this.reconnect();
  }

  /**
   * This actor is stopping: sends that cannot be delivered without waiting for the receiver's
   * next incarnation are given up (they were never accepted), so a producer blocked in send()
   * can finish instead of waiting out its shutdown timeout.
   */
  abandonIfDisconnected(): void {
    this.abandoning = true;
    if (this.port === null) this.reconnect();
  }

  connectFailed(message: string, gone: boolean): void {
    this.connecting = false;
    const err = gone ? new ReceiverGone(message) : new RuntimeError(message);
    for (const p of this.pending.splice(0)) p.reject(err);
  }

  /** Graceful end of this sender: tells the receiver nothing more follows. */
  close(): void {
    for (const p of this.pending.splice(0)) p.reject(errors.sendAbandoned(this.to));
    if (this.port === null) return;
    this.release(this.port);
    this.port = null;
  }

  get waiting(): number {
    return this.pending.length;
  }

  private onFrame(port: MessagePort, frame: LinkFrame): void {
    if (port !== this.port) return;
    switch (frame[0]) {
      case 'credit':
        this.credits += frame[1];
        this.wanting = false;
        this.pump();
        return;
      case 'closing':
        // The receiver is stopping: everything posted so far is still handled; from here on,
        // messages wait for its next incarnation. ['closed'] marks the end of what it must drain.
        this.release(port);
        this.port = null;
        this.credits = 0;
        this.wanting = false;
        this.reconnect();
        return;
      case 'want':
      case 'closed':
        return;
      default: {
        const never: never = frame;
        throw new Error(`unknown link frame ${JSON.stringify(never)}`);
      }
    }
  }

  // Measured (Node 20): a port closed right after postMessage still delivers everything posted
  // before the close, so ['closed'] reaches the receiver.
  private release(port: MessagePort): void {
    port.postMessage(['closed'] satisfies LinkFrame);
    port.removeAllListeners();
    port.close();
  }

  /** Asks the supervisor for a link once; it answers when the receiver is running. */
  private reconnect(): void {
    if (this.abandoning) {
      for (const p of this.pending.splice(0)) p.reject(errors.sendAbandoned(this.to));
      return;
    }
    if (this.pending.length === 0 || this.connecting) return;
    this.connecting = true;
    this.requestConnect(this.to);
  }

  private pump(): void {
    if (this.port === null) {
      this.reconnect();
      return;
    }
    while (this.credits > 0 && this.pending.length > 0) {
      const p = this.pending.shift()!;
      this.credits--;
      this.post(p.msg, p.transfer);
      p.resolve();
    }
    if (this.pending.length > 0 && !this.wanting) {
      this.wanting = true;
      this.port.postMessage(['want'] satisfies LinkFrame);
    }
  }

  private post(msg: Message, transfer: readonly TransferListItem[] | undefined): void {
    this.sent++;
    if (transfer === undefined) this.port!.postMessage(msg);
    else this.port!.postMessage(msg, transfer as TransferListItem[]);
  }
}

interface InLink {
  from: string;
  port: MessagePort;
  granted: number;
  wanting: boolean;
  closed: boolean;
}

/** The receiving end: one bounded mailbox fed by any number of inbound links. */
export class Inbox {
  private readonly links = new Set<InLink>();
  private readonly queue: Message[] = [];
  private inHand = 0;
  private granted = 0;
  private pumping = false;
  private drainWaiters: Array<() => void> = [];
  handled = 0;

  constructor(
    readonly owner: string,
    readonly capacity: number,
    private readonly accepts: ReadonlySet<string>,
    private readonly handle: (msg: Message) => void | Promise<void>,
    private readonly crash: (err: unknown) => void,
    private readonly isStopping: () => boolean,
  ) {}

  /** Messages whose handling ended in a send given up while stopping (see SendAbandoned). */
  abandoned = 0;

  get depth(): number {
    return this.queue.length + this.inHand;
  }

  add(from: string, port: MessagePort): void {
    const link: InLink = { from, port, granted: 0, wanting: false, closed: false };
    this.links.add(link);
    port.on('message', (data: unknown) => this.onData(link, data));
    // A sender's thread that ends closes its port only after everything it posted was delivered,
    // so what it had sent (and saw accepted) is still handled.
    port.on('close', () => this.closeLink(link));
  }

  /** Asks every sender to stop; resolves once each has confirmed and the queue is handled. */
  async drain(): Promise<void> {
    for (const link of this.links) link.port.postMessage(['closing'] satisfies LinkFrame);
    await new Promise<void>((resolve) => {
      this.drainWaiters.push(resolve);
      this.checkDrained();
    });
  }

  private onData(link: InLink, data: unknown): void {
    if (Array.isArray(data)) {
      const frame = data as LinkFrame;
      if (frame[0] === 'want') {
        link.wanting = true;
        this.grant();
      } else if (frame[0] === 'closed') {
        this.closeLink(link);
      }
      return;
    }
    if (data === null || typeof data !== 'object' || typeof (data as Message).type !== 'string') {
      this.crash(errors.notAMessage(this.owner, data));
      return;
    }
    const msg = data as Message;
    if (!this.accepts.has(msg.type)) {
      this.crash(errors.unknownMessage(this.owner, msg.type));
      return;
    }
    link.granted--;
    this.granted--;
    this.queue.push(msg);
    if (!this.pumping) void this.pump();
  }

  private closeLink(link: InLink): void {
    if (link.closed) return;
    link.closed = true;
    this.granted -= link.granted;
    link.granted = 0;
    link.port.close();
    this.links.delete(link);
    this.grant();
    this.checkDrained();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.queue.length > 0) {
        const msg = this.queue.shift()!;
        this.inHand = 1;
        try {
          const r = this.handle(msg);
          // Measured: skipping the await for synchronous handlers saves a microtask per message.
          if (r !== undefined) await r;
        } catch (err) {
          // While stopping, a reply to a peer that has already stopped for good cannot be
          // delivered; the rest of the mailbox is still handled and the actor still flushes.
          if (!(err instanceof SendAbandoned && this.isStopping())) throw err;
          this.abandoned++;
        }
        this.inHand = 0;
        this.handled++;
        if (this.queue.length === 0 || this.free() >= this.threshold()) this.grant();
      }
    } catch (err) {
      this.crash(err);
      return;
    } finally {
      this.pumping = false;
    }
    this.grant();
    this.checkDrained();
  }

  private free(): number {
    return this.capacity - this.queue.length - this.inHand - this.granted;
  }

  // Credits go out in chunks (a quarter of the capacity) so that flow control costs one frame
  // per many messages, not one per message.
  private threshold(): number {
    return Math.max(1, this.capacity >> 2);
  }

  private grant(): void {
    let free = this.free();
    if (free <= 0) return;
    const wanting: InLink[] = [];
    for (const link of this.links) if (link.wanting && !link.closed) wanting.push(link);
    if (wanting.length === 0) return;
    // A link never holds more than its fair share, so one idle sender cannot starve the others.
    const share = Math.max(1, Math.floor(this.capacity / this.links.size));
    for (const link of wanting) {
      const n = Math.min(free, share - link.granted);
      if (n <= 0) continue;
      link.granted += n;
      this.granted += n;
      free -= n;
      link.wanting = false;
      link.port.postMessage(['credit', n] satisfies LinkFrame);
      // Served links go to the back: credits free up a few at a time, and without this turn
      // the oldest waiting link would take them all and starve the others.
      this.links.delete(link);
      this.links.add(link);
      if (free <= 0) break;
    }
  }

  private checkDrained(): void {
    if (this.drainWaiters.length === 0) return;
    if (this.links.size > 0 || this.depth > 0) return;
    for (const w of this.drainWaiters.splice(0)) w();
  }
}
