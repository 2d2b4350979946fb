// The source side of the session protocol (messages.ts), shared by the three sources: say hello
// with a fresh session id, then wait for this session's `resume`, the offset the warehouse holds.
import type { ActorContext } from '../runtime/index.ts';
import type { SourceName } from '../domain/records.ts';
import { ACTORS, newSession, type Committed, type Resume, type ToAggregator } from './messages.ts';

/** `hello` is sent again this often until `resume` comes: defensive, should a hello go unanswered. */
export const HELLO_AGAIN_MS = 5_000;

export type ResumeOf<S extends SourceName> = Extract<Resume, { source: S }>;
export type CommittedOf<S extends SourceName> = Extract<Committed, { source: S }>;

export class SourceSession<S extends SourceName> {
  readonly id = newSession();
  private resume: ResumeOf<S> | null = null;
  private wakeUp: (() => void) | null = null;

  constructor(
    private readonly ctx: ActorContext<ToAggregator>,
    readonly source: S,
  ) {}

  /** This session's resume, the first time it comes (from handle()); null for anything else. */
  takeResume(msg: Resume): ResumeOf<S> | null {
    if (msg.source !== this.source || msg.session !== this.id || this.resume !== null) return null;
    this.resume = msg as ResumeOf<S>;
    this.wakeUp?.();
    return this.resume;
  }

  /** An ack of this session (from handle()); null for another session's or source's. */
  mine(msg: Committed): CommittedOf<S> | null {
    return msg.source === this.source && msg.session === this.id ? (msg as CommittedOf<S>) : null;
  }

  /** Says hello until this session's resume comes; null when the actor stops first. */
  async open(): Promise<ResumeOf<S> | null> {
    const signal = this.ctx.signal;
    while (this.resume === null && !signal.aborted) {
      await this.ctx.send(ACTORS.aggregator, { type: 'hello', source: this.source, session: this.id });
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          this.wakeUp = null;
          resolve();
        };
        const timer = setTimeout(done, HELLO_AGAIN_MS);
        signal.addEventListener('abort', done, { once: true });
        this.wakeUp = done;
        if (this.resume !== null || signal.aborted) done();
      });
    }
    return this.resume;
  }
}
