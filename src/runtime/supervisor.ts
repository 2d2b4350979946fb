// The supervisor: starts children in list order, watches them, restarts them by their restart
// type and the strategy (with backoff and an intensity limit), hot-restarts on request and stops
// them in reverse order. Every lifecycle change runs through one queue, so no two overlap.
import { MessageChannel } from 'node:worker_threads';
import { EventEmitter } from 'eventemitter3';
import { Incarnation, type Ended } from './child.ts';
import { backoffDelay, resolveOptions, type Resolved, type ResolvedChild, type SupervisorOptions } from './spec.ts';
import { errors, reason } from './errors.ts';
import type { FromWorker } from './protocol.ts';
import { jsonLineLogger, type Logger } from './log.ts';

export type ActorState = 'idle' | 'starting' | 'running' | 'stopping' | 'backoff' | 'stopped';

export interface ActorStatus {
  name: string;
  state: ActorState;
  threadId: number | null;
  restarts: number;
  lastError: string | null;
  mailboxDepth: number;
  mailboxCapacity: number;
  handled: number;
  heapUsed: number;
  counters: Record<string, number | string>;
}

export interface SupervisorExit {
  code: number;
  /** Why the supervisor gave up, when it did. */
  message?: string;
}

interface Child {
  spec: ResolvedChild;
  state: ActorState;
  inc: Incarnation | null;
  restarts: number;
  /** Crashes in a row without a quiet period between: the backoff exponent. */
  consecutive: number;
  startedAt: number;
  lastError: string | null;
  timer: NodeJS.Timeout | undefined;
}

export class Supervisor extends EventEmitter<{ exit: [SupervisorExit] }> {
  readonly options: Resolved;
  readonly done: Promise<SupervisorExit>;
  private readonly children: Child[];
  private readonly log: Logger;
  private ops: Promise<unknown> = Promise.resolve();
  private restartTimes: number[] = [];
  private shuttingDown = false;
  private finish!: (exit: SupervisorExit) => void;
  private readonly waitingFor = new Map<string, Set<Incarnation>>();

  constructor(options: SupervisorOptions, log: Logger = jsonLineLogger()) {
    super();
    this.options = resolveOptions(options);
    this.log = log;
    this.children = this.options.children.map((spec) => ({
      spec,
      state: 'idle',
      inc: null,
      restarts: 0,
      consecutive: 0,
      startedAt: 0,
      lastError: null,
      timer: undefined,
    }));
    this.done = new Promise((resolve) => {
      this.finish = (exit) => {
        this.emit('exit', exit);
        resolve(exit);
      };
    });
  }

  /** Starts every child in list order; resolves once each has been started (and restarted, if it crashed). */
  start(): Promise<void> {
    this.log('supervisor.start', { strategy: this.options.strategy, children: this.children.map((c) => c.spec.name) });
    return this.enqueue(async () => {
      for (const c of this.children) await this.startChild(c);
    });
  }

  /** Hot restart: stops `name` gracefully (and, under rest_for_one, the actors after it), then starts them again. */
  restart(name: string): Promise<void> {
    const c = this.child(name);
    return this.enqueue(async () => {
      if (this.shuttingDown) throw errors.supervisorStopping();
      const group = this.group(c);
      this.log('actor.restart', { actor: name, reason: 'requested', group: group.map((g) => g.spec.name) });
      for (const g of [...group].reverse()) await this.stopChild(g);
      for (const g of group) {
        g.restarts++;
        await this.startChild(g);
      }
    });
  }

  /** Graceful shutdown: children stop in reverse start order, each within its shutdown timeout. */
  shutdown(): Promise<SupervisorExit> {
    if (!this.shuttingDown) {
      this.shuttingDown = true;
      this.log('supervisor.shutdown', {});
      void this.enqueue(async () => {
        await this.stopAll();
        this.log('supervisor.stopped', { code: 0 });
        this.finish({ code: 0 });
      });
    }
    return this.done;
  }

  status(): ActorStatus[] {
    return this.children.map((c) => {
      const s = c.inc?.stats;
      return {
        name: c.spec.name,
        state: c.state,
        threadId: c.inc?.threadId ?? null,
        restarts: c.restarts,
        lastError: c.lastError,
        mailboxDepth: s?.mailboxDepth ?? 0,
        mailboxCapacity: c.spec.mailboxCapacity,
        handled: s?.handled ?? 0,
        heapUsed: s?.heapUsed ?? 0,
        counters: s?.counters ?? {},
      };
    });
  }

  get names(): string[] {
    return this.children.map((c) => c.spec.name);
  }

  private child(name: string): Child {
    const c = this.children.find((x) => x.spec.name === name);
    if (c === undefined) throw errors.noSuchActor(name, this.names);
    return c;
  }

  /** The actors a restart of `c` takes along: itself, plus those after it under rest_for_one. */
  private group(c: Child): Child[] {
    if (this.options.strategy === 'one_for_one') return [c];
    return this.children.slice(this.children.indexOf(c));
  }

  private enqueue<T>(op: () => Promise<T>): Promise<T> {
    const next = this.ops.then(op);
    this.ops = next.catch(() => {});
    return next;
  }

  private async startChild(c: Child): Promise<void> {
    clearTimeout(c.timer);
    c.timer = undefined;
    if (this.shuttingDown) return;
    c.state = 'starting';
    // From the attempt, not from readiness: an actor that dies while starting must still count
    // as crashing in a row, or its backoff would never grow.
    c.startedAt = Date.now();
    const inc = new Incarnation(c.spec, this.options.heartbeat, (i, m) => this.onWorkerMessage(c, i, m));
    c.inc = inc;
    void inc.ended.then((ended) => this.onEnded(c, inc, ended));
    try {
      await inc.ready();
    } catch {
      return; // onEnded has queued the crash handling.
    }
    if (c.inc !== inc) return;
    c.state = 'running';
    this.log('actor.start', { actor: c.spec.name, threadId: inc.threadId });
    const waiting = this.waitingFor.get(c.spec.name);
    this.waitingFor.delete(c.spec.name);
    for (const requester of waiting ?? []) this.wire(requester, inc);
  }

  private async stopChild(c: Child): Promise<void> {
    clearTimeout(c.timer);
    c.timer = undefined;
    const inc = c.inc;
    if (inc === null) {
      c.state = 'stopped';
      return;
    }
    c.state = 'stopping';
    const { ended, timedOut } = await inc.stop();
    c.inc = null;
    c.state = 'stopped';
    this.log('actor.stopped', {
      actor: c.spec.name,
      ...(timedOut ? { timedOut: true, shutdownMs: c.spec.shutdownMs } : {}),
      ...(ended.error && !timedOut ? { error: reason(ended.error) } : {}),
    });
  }

  private async stopAll(): Promise<void> {
    for (const c of this.children) {
      clearTimeout(c.timer);
      c.timer = undefined;
    }
    for (const c of [...this.children].reverse()) await this.stopChild(c);
  }

  private onEnded(c: Child, inc: Incarnation, ended: Ended): void {
    // Peers learn at once, so their links to the dead thread are dropped and re-requested.
    for (const other of this.children) {
      if (other !== c && other.inc !== null) other.inc.post({ t: 'peer-down', name: c.spec.name });
    }
    if (inc.stopping || c.inc !== inc) return;
    void this.enqueue(() => this.handleExit(c, inc, ended));
  }

  private async handleExit(c: Child, inc: Incarnation, ended: Ended): Promise<void> {
    if (c.inc !== inc) return;
    c.inc = null;
    c.state = 'stopped';
    if (ended.normal) {
      this.log('actor.exit', { actor: c.spec.name, normal: true });
      if (c.spec.restart !== 'permanent') return;
      c.lastError = null;
    } else {
      c.lastError = reason(ended.error);
      this.log('actor.crash', { actor: c.spec.name, threadId: inc.threadId, reason: c.lastError });
      if (c.spec.restart === 'temporary') return;
    }
    if (this.shuttingDown) return;

    const now = Date.now();
    const { maxRestarts, withinMs } = this.options.intensity;
    this.restartTimes = this.restartTimes.filter((t) => now - t < withinMs);
    this.restartTimes.push(now);
    if (this.restartTimes.length > maxRestarts) {
      const err = errors.intensity(c.spec.name, maxRestarts, withinMs, c.lastError ?? 'exited normally');
      this.shuttingDown = true;
      this.log('supervisor.fatal', { actor: c.spec.name, reason: err.message });
      await this.stopAll();
      this.log('supervisor.stopped', { code: 1 });
      this.finish({ code: 1, message: err.message });
      return;
    }

    if (now - c.startedAt > this.options.backoff.resetAfterMs) c.consecutive = 0;
    c.consecutive++;
    const group = this.group(c);
    for (const g of [...group.slice(1)].reverse()) await this.stopChild(g);
    const delayMs = backoffDelay(this.options.backoff, c.consecutive);
    c.state = 'backoff';
    this.log('actor.backoff', { actor: c.spec.name, attempt: c.consecutive, delayMs });
    c.timer = setTimeout(() => {
      c.timer = undefined;
      void this.enqueue(async () => {
        if (this.shuttingDown || c.state !== 'backoff') return;
        for (const g of group) {
          g.restarts++;
          const why = g !== c ? `rest_for_one after ${c.spec.name}` : ended.normal ? 'exited' : 'crash';
          this.log('actor.restart', { actor: g.spec.name, reason: why });
          await this.startChild(g);
        }
      });
    }, delayMs);
  }

  private onWorkerMessage(c: Child, inc: Incarnation, msg: Extract<FromWorker, { t: 'connect' | 'log' }>): void {
    switch (msg.t) {
      case 'log':
        this.log(msg.event, { actor: c.spec.name, ...msg.fields });
        return;
      case 'connect': {
        const target = this.children.find((x) => x.spec.name === msg.to);
        if (target === undefined) {
          inc.post({ t: 'connect-error', to: msg.to, message: errors.noSuchActor(msg.to, this.names).message });
          return;
        }
        if (target.state === 'running' && target.inc !== null && !target.inc.stopping) {
          this.wire(inc, target.inc);
          return;
        }
        let set = this.waitingFor.get(msg.to);
        if (set === undefined) this.waitingFor.set(msg.to, (set = new Set()));
        set.add(inc);
        return;
      }
      default: {
        const never: never = msg;
        throw new Error(`unknown worker message ${JSON.stringify(never)}`);
      }
    }
  }

  /** A direct port from `from` to `to`: their messages never pass through this thread. */
  private wire(from: Incarnation, to: Incarnation): void {
    const owner = this.children.find((x) => x.inc === from);
    if (owner === undefined) return; // the requester is gone
    const { port1, port2 } = new MessageChannel();
    to.post({ t: 'inbound', from: owner.spec.name, port: port2 }, [port2]);
    from.post({ t: 'outbound', to: to.spec.name, port: port1 }, [port1]);
  }
}
