// What the web server knows of a pipeline it runs beside (`start --http`, the demo): the
// supervisor's status and lifecycle events, and its hot restart. Under `serve` alone there is none.
import type { ActorStatus, SupervisorEvent } from '../runtime/supervisor.ts';
import { Totals } from './totals.ts';

/** The supervisor as the web server uses it (runtime/supervisor.ts's Supervisor is one). */
export interface Operated {
  readonly names: string[];
  status(): ActorStatus[];
  restart(name: string): Promise<void>;
  on(event: 'event', fn: (e: SupervisorEvent) => void): unknown;
  off(event: 'event', fn: (e: SupervisorEvent) => void): unknown;
}

/** Lifecycle events kept for the operator panel (the newest last). */
const RECENT_EVENTS = 30;
/** The counters /metrics totals over every incarnation of an actor (totals.ts). */
const TOTALLED = ['records', 'rejected', 'commits', 'batches', 'students', 'completions', 'runs'];
/** Sampling at these catches every incarnation's first and last counters (totals.ts). */
const SAMPLE_ON = new Set(['actor.start', 'actor.stopped', 'actor.crash']);

export class PipelineView {
  readonly totals = new Totals(TOTALLED, 'freshness_hist');
  /** The supervisor's own lifecycle events, not what actors log. */
  readonly recent: SupervisorEvent[] = [];
  private readonly listeners = new Set<(e: SupervisorEvent) => void>();
  private readonly onEvent = (e: SupervisorEvent): void => {
    if (!/^(actor|supervisor)\./.test(e.event)) return;
    if (SAMPLE_ON.has(e.event)) this.totals.sample(this.supervisor.status());
    this.recent.push(e);
    if (this.recent.length > RECENT_EVENTS) this.recent.shift();
    for (const l of this.listeners) l(e);
  };

  /** Attach before the actors start (runSupervisor's onSupervisor), so that no incarnation is missed. */
  constructor(readonly supervisor: Operated) {
    supervisor.on('event', this.onEvent);
  }

  status(): ActorStatus[] {
    const s = this.supervisor.status();
    this.totals.sample(s);
    return s;
  }

  /** Calls `fn` at each lifecycle event; returns the unsubscribe. */
  subscribe(fn: (e: SupervisorEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  close(): void {
    this.supervisor.off('event', this.onEvent);
    this.listeners.clear();
  }
}
