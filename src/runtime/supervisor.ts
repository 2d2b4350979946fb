// The supervisor: starts children in list order, watches them, restarts them by their restart
// type and the strategy (with backoff and an intensity limit), hot-restarts on request and stops
// them in reverse order. Every lifecycle change runs through one queue, so no two overlap.
import { EventEmitter } from 'eventemitter3';
import { Incarnation, type Ended } from './child.ts';
import { backoffDelay, resolveOptions, type Resolved, type ResolvedChild, type SupervisorOptions } from './spec.ts';
import { errors, reason, serializeError } from './errors.ts';
import type { ActorStats, FromWorker } from './protocol.ts';
import { jsonLineLogger, type Logger } from './log.ts';
import { Switchboard } from './switchboard.ts';

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
  /** The last stats of the last incarnation, shown while none runs. */
  lastStats: ActorStats | null;
  /** Stopped for good: a temporary child, or a transient one that finished. */
  gone: boolean;
  timer: NodeJS.Timeout | undefined;
}

/**
 * One lifecycle event (actor.start, actor.crash, actor.restart, actor.backoff, actor.stopped,
 * supervisor.fatal, ...) or an event an actor logged (with its `actor`), as the supervisor emits
 * it: the log is one subscriber; `status`, the demo's live line and the web page are others.
 */
export interface SupervisorEvent {
  event: string;
  fields: Record<string, unknown>;
  /** Date.now() when it happened. */
  at: number;
}

export class Supervisor extends EventEmitter<{ exit: [SupervisorExit]; event: [SupervisorEvent] }> {
  readonly options: Resolved;
  readonly done: Promise<SupervisorExit>;
  private readonly children: Child[];
  private readonly log: Logger = (event, fields) => this.emit('event', { event, fields, at: Date.now() });
  private readonly board: Switchboard;
  private ops: Promise<unknown> = Promise.resolve();
  private restartTimes: number[] = [];
  private shuttingDown = false;
  private finish!: (exit: SupervisorExit) => void;

  constructor(options: SupervisorOptions, log: Logger = jsonLineLogger()) {
    super();
    this.options = resolveOptions(options);
    this.on('event', (e) => log(e.event, e.fields));
    this.children = this.options.children.map((spec) => ({
      spec,
      state: 'idle',
      inc: null,
      restarts: 0,
      consecutive: 0,
      startedAt: 0,
      lastError: null,
      lastStats: null,
      gone: false,
      timer: undefined,
    }));
    this.board = new Switchboard(
      (name) => {
        const c = this.children.find((x) => x.spec.name === name);
        if (c === undefined) return undefined;
        return {
          name,
          gone: () => c.gone,
          live: () => (c.state === 'running' && c.inc !== null && !c.inc.stopping && !c.inc.exited ? c.inc : null),
        };
      },
      (inc) => this.children.find((x) => x.inc === inc)?.spec.name,
      () => this.names,
    );
    this.done = new Promise((resolve) => {
      this.finish = (exit) => {
        this.emit('exit', exit);
        resolve(exit);
      };
    });
  }

  /** Starts every child in list order; resolves once each has been started (and restarted, if it crashed). */
  start(): Promise<void> {
    this.log('supervisor.start', { strategy: this.options.strategy, children: this.names });
    return this.enqueue(async () => {
      for (const c of this.children) await this.startChild(c);
    });
  }

  /**
   * Hot restart: stops `name` gracefully (and, under rest_for_one, the actors after it), then
   * starts them again. Rejects when the actor does not become ready again.
   */
  restart(name: string): Promise<void> {
    const c = this.children.find((x) => x.spec.name === name);
    if (c === undefined) return Promise.reject(errors.noSuchActor(name, this.names));
    return this.enqueue(async () => {
      if (this.shuttingDown) throw errors.supervisorStopping();
      const group = this.group(c);
      this.log('actor.restart', { actor: name, reason: 'requested', group: group.map((g) => g.spec.name) });
      c.gone = false;
      const failed = await this.restartGroup(group);
      if (failed !== null) throw errors.notBackAfterRestart(failed.child.spec.name, reason(failed.error));
    });
  }

  /** Graceful shutdown: children stop in reverse start order, each within its shutdown timeout. */
  shutdown(): Promise<SupervisorExit> {
    if (!this.shuttingDown) {
      this.shuttingDown = true;
      this.log('supervisor.shutdown', {});
      // An actor still loading would hold the queue until its start timeout: end it now.
      for (const c of this.children) {
        if (c.state === 'starting' && c.inc !== null) c.inc.kill(serializeError(errors.shuttingDownStart(c.spec.name)));
      }
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
      const s = c.inc?.stats ?? c.lastStats;
      return {
        name: c.spec.name,
        state: c.state,
        threadId: c.inc !== null && !c.inc.exited ? c.inc.threadId : null,
        restarts: c.restarts,
        lastError: c.lastError,
        mailboxDepth: c.inc === null ? 0 : (s?.mailboxDepth ?? 0),
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

  /**
   * The actors a restart of `c` takes along: itself, plus under rest_for_one those after it that
   * are not in its group (a group is a nested one_for_one).
   */
  private group(c: Child): Child[] {
    if (this.options.strategy === 'one_for_one') return [c];
    const rest = this.children.slice(this.children.indexOf(c) + 1);
    return [c, ...rest.filter((g) => c.spec.group === null || g.spec.group !== c.spec.group)];
  }

  private enqueue<T>(op: () => Promise<T>): Promise<T> {
    const next = this.ops.then(op);
    this.ops = next.catch(() => {});
    return next;
  }

  /**
   * Stops the running members of `group` in reverse order, then starts them in order. Siblings
   * that are temporary, or gone for good, are stopped and not started again (as in OTP).
   * Returns the first member that did not become ready, and why, or null.
   */
  private async restartGroup(
    group: Child[],
    why?: (g: Child) => string,
  ): Promise<{ child: Child; error: Error } | null> {
    for (const g of [...group].reverse()) await this.stopChild(g);
    let failed: { child: Child; error: Error } | null = null;
    for (const [i, g] of group.entries()) {
      if (i > 0 && (g.gone || g.spec.restart === 'temporary')) {
        this.markGone(g);
        continue;
      }
      g.restarts++;
      if (why !== undefined) this.log('actor.restart', { actor: g.spec.name, reason: why(g) });
      const error = await this.startChild(g);
      if (error !== null) failed ??= { child: g, error };
    }
    return failed;
  }

  /** Starts one incarnation; null once it is ready, else why not. A failure is handled as that actor's crash. */
  private async startChild(c: Child): Promise<Error | null> {
    clearTimeout(c.timer);
    c.timer = undefined;
    if (this.shuttingDown) return errors.supervisorStopping();
    if (c.inc !== null) await this.stopChild(c); // never two incarnations of one actor
    c.state = 'starting';
    // From the attempt, not from readiness: an actor that dies while starting must still count
    // as crashing in a row, or its backoff would never grow.
    c.startedAt = Date.now();
    const inc = new Incarnation(c.spec, this.options.heartbeat, (i, m) => this.onWorkerMessage(i, m));
    c.inc = inc;
    void inc.ended.then((ended) => this.onEnded(c, inc, ended));
    try {
      await inc.ready();
    } catch (err) {
      return err as Error; // onEnded has queued the crash handling.
    }
    if (c.inc !== inc || inc.exited) return errors.exited(c.spec.name, -1);
    c.state = 'running';
    this.log('actor.start', { actor: c.spec.name, threadId: inc.threadId });
    this.board.ready(c.spec.name, inc);
    return null;
  }

  private async stopChild(c: Child): Promise<void> {
    clearTimeout(c.timer);
    c.timer = undefined;
    const inc = c.inc;
    if (inc === null) {
      if (c.state !== 'idle') c.state = 'stopped';
      return;
    }
    c.state = 'stopping';
    const { ended, timedOut } = await inc.stop();
    c.inc = null;
    c.lastStats = inc.stats;
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

  private markGone(c: Child): void {
    c.gone = true;
    this.board.gone(c.spec.name);
  }

  private onEnded(c: Child, inc: Incarnation, ended: Ended): void {
    // Peers learn at once, so their links to the dead thread are dropped and re-requested.
    for (const other of this.children) {
      if (other !== c && other.inc !== null && !other.inc.exited) other.inc.post({ t: 'peer-down', name: c.spec.name });
    }
    if (inc.stopping || c.inc !== inc) return;
    c.state = 'stopped';
    void this.enqueue(() => this.handleExit(c, inc, ended));
  }

  private async handleExit(c: Child, inc: Incarnation, ended: Ended): Promise<void> {
    if (c.inc !== inc) return;
    c.inc = null;
    c.lastStats = inc.stats;
    c.state = 'stopped';
    if (this.shuttingDown) {
      this.log('actor.stopped', { actor: c.spec.name, ...(ended.error ? { error: reason(ended.error) } : {}) });
      return;
    }
    if (ended.normal) {
      this.log('actor.exit', { actor: c.spec.name, normal: true });
      c.lastError = null;
      if (c.spec.restart !== 'permanent') return this.markGone(c);
    } else {
      c.lastError = reason(ended.error);
      this.log('actor.crash', { actor: c.spec.name, threadId: inc.threadId, reason: c.lastError });
      if (c.spec.restart === 'temporary') return this.markGone(c);
    }

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
        // A member of the group may have been hot-restarted meanwhile: restartGroup stops it first.
        await this.restartGroup(group, (g) =>
          g !== c ? `rest_for_one after ${c.spec.name}` : ended.normal ? 'exited' : 'crash',
        );
      });
    }, delayMs);
  }

  private onWorkerMessage(inc: Incarnation, msg: Extract<FromWorker, { t: 'connect' | 'log' }>): void {
    switch (msg.t) {
      case 'log':
        this.log(msg.event, { actor: inc.spec.name, ...msg.fields });
        return;
      case 'connect':
        this.board.request(inc, msg.to);
        return;
      default: {
        const never: never = msg;
        throw new Error(`unknown worker message ${JSON.stringify(never)}`);
      }
    }
  }
}
