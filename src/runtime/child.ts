// One incarnation of one actor: a worker thread, its readiness, its heartbeats and its end.
import { Worker, type TransferListItem } from 'node:worker_threads';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ActorStats, FromWorker, ToWorker, WorkerData } from './protocol.ts';
import type { ResolvedChild, Resolved } from './spec.ts';
import { errors, serializeError, type SerializedError } from './errors.ts';

// Which thread entry: built JavaScript (this module runs from dist/, the actor's module is
// JavaScript) starts the Worker on the built worker.js itself, with no loader: tsx starting in
// every new thread took 150-250 ms of each hot restart. A TypeScript actor module (tests, their
// fixtures) needs tsx in the thread: worker-entry.mjs registers it, then loads worker.ts, so it
// is the one beside the TypeScript sources, even when this module runs from dist/.
const BUILT = import.meta.url.endsWith('.js');
const JS_ENTRY = fileURLToPath(new URL('./worker.js', import.meta.url));
const TS_ENTRY = fileURLToPath(new URL(BUILT ? '../../src/runtime/worker-entry.mjs' : './worker-entry.mjs', import.meta.url));
const TYPESCRIPT = /\.[cm]?tsx?$/;

function entryFor(moduleUrl: string): string {
  return BUILT && !TYPESCRIPT.test(new URL(moduleUrl).pathname) ? JS_ENTRY : TS_ENTRY;
}

/**
 * A thread of the built entry started ahead of need: the next incarnation takes it and is told its
 * actor in one message, instead of waiting for a new thread to start (most of a hot restart:
 * bench/runtime.ts measured a bare thread's exit and start at about 60 ms on 2 cores). Not for the
 * TypeScript entry: a spare would load tsx beside every test's supervisor.
 */
let spare: Worker | null = null;

function threadFor(entry: string, workerData: WorkerData): Worker {
  const ready = entry === JS_ENTRY ? spare : null;
  if (ready === null) return new Worker(entry, { workerData, name: workerData.name });
  spare = null;
  ready.removeAllListeners();
  ready.ref();
  ready.postMessage({ t: 'init', data: workerData } satisfies ToWorker);
  return ready;
}

/** Starts the next spare, once an incarnation is ready (not beside its start, on a small machine). */
function keepSpare(entry: string): void {
  if (entry !== JS_ENTRY || spare !== null) return;
  const w = new Worker(entry, { workerData: null, name: 'spare' });
  // It must not keep the process alive, and a spare that dies is simply not there.
  w.unref();
  w.on('error', () => {});
  w.once('exit', () => {
    if (spare === w) spare = null;
  });
  spare = w;
}

export interface Ended {
  /** A stop we asked for, or a producer that finished on its own: not a crash. */
  normal: boolean;
  error?: SerializedError;
  code: number;
}

export class Incarnation {
  readonly worker: Worker;
  readonly threadId: number;
  stats: ActorStats;
  readonly ended: Promise<Ended>;
  private stopRequested = false;
  /** Why it ended: the thread's own 'failed' report, or the reason it was killed for. */
  private failure: SerializedError | undefined;
  /** The worker's `error` event: used when the thread could not report (it died in loading, say). */
  private errorEvent: SerializedError | undefined;
  private unanswered: { seq: number; at: number } | null = null;
  private seq = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private isReady = false;
  /** Set the moment the thread is gone, before anyone awaiting `ended` runs. */
  exited = false;
  /** Whether the actor has a mailbox (accepts messages); known once it is ready. */
  hasInbox = false;
  private readyWaiter: { resolve: () => void; reject: (e: Error) => void } | undefined;

  constructor(
    readonly spec: ResolvedChild,
    private readonly hb: Resolved['heartbeat'],
    onMessage: (inc: Incarnation, msg: Extract<FromWorker, { t: 'connect' | 'log' }>) => void,
  ) {
    const module = spec.module.startsWith('file:') ? spec.module : pathToFileURL(spec.module).href;
    const workerData: WorkerData = {
      name: spec.name,
      module,
      args: spec.args,
      mailboxCapacity: spec.mailboxCapacity,
    };
    const entry = entryFor(module);
    this.worker = threadFor(entry, workerData);
    this.threadId = this.worker.threadId;
    this.stats = { mailboxDepth: 0, mailboxCapacity: spec.mailboxCapacity, handled: 0, heapUsed: 0, counters: {} };
    this.worker.on('message', (msg: FromWorker) => {
      switch (msg.t) {
        case 'ready':
          this.isReady = true;
          this.hasInbox = msg.inbox;
          this.startHeartbeat();
          this.readyWaiter?.resolve();
          keepSpare(entry);
          return;
        case 'pong':
          if (this.unanswered !== null && msg.seq >= this.unanswered.seq) this.unanswered = null;
          this.stats = msg.stats;
          return;
        case 'failed':
          this.failure ??= msg.error;
          return;
        case 'connect':
        case 'log':
          onMessage(this, msg);
          return;
        default: {
          const never: never = msg;
          throw new Error(`unknown worker message ${JSON.stringify(never)}`);
        }
      }
    });
    this.worker.on('error', (err) => {
      this.errorEvent ??= serializeError(err);
    });
    this.ended = new Promise<Ended>((resolve) => {
      this.worker.once('exit', (code) => {
        this.exited = true;
        clearInterval(this.heartbeat);
        this.heartbeat = undefined;
        // The thread's own report of its crash says more than the `error` event's clone of it.
        const failure = this.failure ?? this.errorEvent;
        const normal = failure === undefined && code === 0;
        const error = normal ? undefined : (failure ?? serializeError(errors.exited(spec.name, code)));
        this.readyWaiter?.reject(rebuild(error ?? serializeError(errors.exited(spec.name, code))));
        resolve({ normal, error, code });
      });
    });
  }

  /** Resolves when the actor is ready; a thread that dies or stays silent first rejects it. */
  ready(): Promise<void> {
    if (this.isReady) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.kill(serializeError(errors.startTimeout(this.spec.name, this.spec.startTimeoutMs)));
      }, this.spec.startTimeoutMs);
      this.readyWaiter = {
        resolve: () => {
          clearTimeout(timer);
          this.readyWaiter = undefined;
          resolve();
        },
        reject: (e) => {
          clearTimeout(timer);
          this.readyWaiter = undefined;
          reject(e);
        },
      };
    });
  }

  post(msg: ToWorker, transfer?: TransferListItem[]): void {
    this.worker.postMessage(msg, transfer);
  }

  /** Graceful stop: the actor finishes the message in hand, drains, flushes; terminated after shutdownMs. */
  async stop(): Promise<{ ended: Ended; timedOut: boolean }> {
    this.stopRequested = true;
    this.post({ t: 'stop' });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => {
      timer = setTimeout(() => r('timeout'), this.spec.shutdownMs);
    });
    const first = await Promise.race([this.ended, timeout]);
    clearTimeout(timer);
    if (first !== 'timeout') return { ended: first, timedOut: false };
    await this.worker.terminate();
    return { ended: await this.ended, timedOut: true };
  }

  /** Ends the thread at once, recording `error` as the reason. */
  kill(error: SerializedError): void {
    this.failure ??= error;
    void this.worker.terminate();
  }

  get stopping(): boolean {
    return this.stopRequested;
  }

  private startHeartbeat(): void {
    this.heartbeat = setInterval(() => {
      // Judged in the check phase, after this turn's poll phase has read the pongs that queued
      // up: when this (the supervisor's) thread was itself blocked, timers fire before those
      // answers are read, and healthy actors would pass for stalled.
      // An actor is judged by the oldest ping it left unanswered, not by the time since its last
      // answer: while this thread was blocked no pings went out, and silence is not a stall.
      setImmediate(() => {
        if (this.heartbeat === undefined) return;
        const now = Date.now();
        if (this.unanswered !== null && now - this.unanswered.at > this.hb.timeoutMs) {
          this.kill(serializeError(errors.stalled(this.spec.name, this.hb.timeoutMs)));
          return;
        }
        this.post({ t: 'ping', seq: ++this.seq });
        this.unanswered ??= { seq: this.seq, at: now };
      });
    }, this.hb.intervalMs);
    this.heartbeat.unref();
  }
}

export function rebuild(e: SerializedError): Error {
  const err = new Error(e.message);
  err.name = e.name;
  if (e.stack !== undefined) err.stack = e.stack;
  return err;
}
