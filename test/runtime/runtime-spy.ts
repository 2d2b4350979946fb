// Test-only records of what the runtime does inside this process, for behaviour a user feels but
// cannot count from the outside: a connect storm (a core burning), a thread left running after
// shutdown. The supervisor runs on the test's own thread, so wrapping a prototype method sees
// every call; each test file runs in its own process, and the wrapper is removed when the test
// ends. Counting, not timing: these hold on a loaded machine as on an idle one.
import type { ExecutionContext } from 'ava';
import { Incarnation } from '../../src/runtime/child.ts';
import { Switchboard } from '../../src/runtime/switchboard.ts';
import type { ToWorker } from '../../src/runtime/protocol.ts';

/** Replaces `proto[key]` with a wrapper around it until the test ends. */
function wrap<P extends object, K extends keyof P>(
  t: ExecutionContext,
  proto: P,
  key: K,
  wrapper: (original: P[K]) => P[K],
): void {
  const original = proto[key];
  proto[key] = wrapper(original);
  t.teardown(() => {
    proto[key] = original;
  });
}

/** Every incarnation (worker thread) any supervisor starts from now on, in start order. */
export function recordIncarnations(t: ExecutionContext): Incarnation[] {
  const seen: Incarnation[] = [];
  // ready() is awaited once for each incarnation the supervisor starts.
  wrap(t, Incarnation.prototype, 'ready', (original) =>
    function (this: Incarnation) {
      if (!seen.includes(this)) seen.push(this);
      return original.call(this);
    },
  );
  return seen;
}

export interface LinkRequest {
  /** The requesting actor's name. */
  from: string;
  to: string;
}

/** Every link an actor asks the supervisor for (`ctx.send` to an actor it has no link to). */
export function recordLinkRequests(t: ExecutionContext): LinkRequest[] {
  const seen: LinkRequest[] = [];
  wrap(t, Switchboard.prototype, 'request', (original) =>
    function (this: Switchboard, from: Incarnation, to: string) {
      seen.push({ from: from.spec.name, to });
      return original.call(this, from, to);
    },
  );
  return seen;
}

export interface ControlPost {
  /** The actor whose thread the message went to. */
  to: string;
  t: ToWorker['t'];
}

/**
 * Calls `after` on the supervisor's thread right after each control message it posts to an
 * actor's thread (pings included), for a test to act at a chosen moment.
 */
export function afterControlPost(t: ExecutionContext, after: (to: string, msg: ToWorker) => void): void {
  wrap(t, Incarnation.prototype, 'post', (original) =>
    function (this: Incarnation, ...args: Parameters<Incarnation['post']>) {
      const r = original.apply(this, args);
      after(this.spec.name, args[0]);
      return r;
    },
  );
}

/** Every control message the supervisor posts to an actor's thread (pings left out). */
export function recordControlPosts(t: ExecutionContext): ControlPost[] {
  const seen: ControlPost[] = [];
  afterControlPost(t, (to, msg) => {
    if (msg.t !== 'ping') seen.push({ to, t: msg.t });
  });
  return seen;
}
