// Child specs and supervisor options are plain data with written defaults, checked up front;
// each check fails with a SpecError naming the field.
import { errors } from './errors.ts';

export type RestartType = 'permanent' | 'transient' | 'temporary';
export type Strategy = 'one_for_one' | 'rest_for_one';

export interface ChildSpec {
  /** Unique; actors address each other by it. */
  name: string;
  /** Absolute path or file URL of the actor module (`export default defineActor(...)`). */
  module: string;
  /** permanent: always restarted; transient: only after a crash; temporary: never. Default permanent. */
  restart?: RestartType;
  /** How long a graceful stop may take before the thread is terminated. Default 5000 ms. */
  shutdownMs?: number;
  /** Mailbox bound, in messages. Default 1024. */
  mailboxCapacity?: number;
  /** How long the actor may take to load and become ready. Default 30000 ms (a loaded machine starts threads slowly). */
  startTimeoutMs?: number;
  /** Structured-cloned into the actor as ctx.args. */
  args?: unknown;
  /**
   * Siblings with one group name behave as a nested one_for_one supervisor inside a rest_for_one
   * one: a restart of a member takes along the actors after it that are outside its group, not
   * its group's members. Under one_for_one it changes nothing.
   */
  group?: string;
}

export interface SupervisorOptions {
  children: ChildSpec[];
  /** Default one_for_one. */
  strategy?: Strategy;
  /** At most `maxRestarts` restarts within `withinMs`, else stop everything. Default 5 in 10 s. */
  intensity?: { maxRestarts: number; withinMs: number };
  /** Delay before restart n of an actor that keeps crashing: min(maxMs, initialMs·2^(n-1)), jittered. */
  backoff?: { initialMs: number; maxMs: number; resetAfterMs: number };
  /**
   * Ping every intervalMs; a ping unanswered for timeoutMs is a stalled actor, a crash. A stall is
   * detected within timeoutMs + 2 × intervalMs (default 1000/3000: within 5 s).
   */
  heartbeat?: { intervalMs: number; timeoutMs: number };
}

export type ResolvedChild = Required<Omit<ChildSpec, 'args' | 'group'>> & { args: unknown; group: string | null };

export interface Resolved {
  children: ResolvedChild[];
  strategy: Strategy;
  intensity: { maxRestarts: number; withinMs: number };
  backoff: { initialMs: number; maxMs: number; resetAfterMs: number };
  heartbeat: { intervalMs: number; timeoutMs: number };
}

export const DEFAULTS = {
  restart: 'permanent' as RestartType,
  shutdownMs: 5000,
  mailboxCapacity: 1024,
  startTimeoutMs: 30_000,
  strategy: 'one_for_one' as Strategy,
  intensity: { maxRestarts: 5, withinMs: 10_000 },
  backoff: { initialMs: 100, maxMs: 10_000, resetAfterMs: 30_000 },
  heartbeat: { intervalMs: 1000, timeoutMs: 3000 },
};

const RESTARTS: readonly string[] = ['permanent', 'transient', 'temporary'];
const STRATEGIES: readonly string[] = ['one_for_one', 'rest_for_one'];

function positiveInt(where: string, field: string, v: unknown, def: number): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw errors.specField(where, field, 'must be a positive integer');
  }
  return v;
}

function nonNegativeInt(where: string, field: string, v: unknown, def: number): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw errors.specField(where, field, 'must be a non-negative integer');
  }
  return v;
}

// Checked here, where the spec is written, not when a thread starts: there a function in `args`
// would fail inside a restart, long after the mistake.
function cloneable(where: string, args: unknown): unknown {
  try {
    structuredClone(args);
  } catch (err) {
    throw errors.uncloneableArgs(where, (err as Error).message);
  }
  return args;
}

function groupName(where: string, v: unknown): string | null {
  if (v === undefined) return null;
  if (typeof v !== 'string' || !/^[A-Za-z][\w-]*$/.test(v)) {
    throw errors.specField(where, 'group', 'must be a string of letters, digits, _ or -, starting with a letter');
  }
  return v;
}

export function resolveChild(spec: ChildSpec, index: number): ResolvedChild {
  const where = `children[${index}]`;
  if (spec === null || typeof spec !== 'object') throw errors.specField('options', where, 'must be an object');
  if (typeof spec.name !== 'string' || !/^[A-Za-z][\w-]*$/.test(spec.name)) {
    throw errors.specField(where, 'name', 'must be a string of letters, digits, _ or -, starting with a letter');
  }
  if (typeof spec.module !== 'string' || spec.module === '') {
    throw errors.specField(where, 'module', 'must be a non-empty path or file URL');
  }
  const restart = spec.restart ?? DEFAULTS.restart;
  if (!RESTARTS.includes(restart)) {
    throw errors.specField(where, 'restart', `must be one of ${RESTARTS.join(', ')} (invalid_restart_type)`);
  }
  return {
    name: spec.name,
    module: spec.module,
    restart,
    shutdownMs: positiveInt(where, 'shutdownMs', spec.shutdownMs, DEFAULTS.shutdownMs),
    mailboxCapacity: positiveInt(where, 'mailboxCapacity', spec.mailboxCapacity, DEFAULTS.mailboxCapacity),
    startTimeoutMs: positiveInt(where, 'startTimeoutMs', spec.startTimeoutMs, DEFAULTS.startTimeoutMs),
    args: cloneable(where, spec.args),
    group: groupName(where, spec.group),
  };
}

export function resolveOptions(opts: SupervisorOptions): Resolved {
  if (opts === null || typeof opts !== 'object') throw errors.specField('supervisor', 'options', 'must be an object');
  if (!Array.isArray(opts.children) || opts.children.length === 0) throw errors.noChildren();
  const children = opts.children.map(resolveChild);
  const seen = new Set<string>();
  for (const c of children) {
    if (seen.has(c.name)) throw errors.duplicateChildName(c.name);
    seen.add(c.name);
  }
  const strategy = opts.strategy ?? DEFAULTS.strategy;
  if (!STRATEGIES.includes(strategy)) {
    throw errors.specField('options', 'strategy', `must be one of ${STRATEGIES.join(', ')} (invalid_strategy)`);
  }
  const i = opts.intensity ?? DEFAULTS.intensity;
  const b = opts.backoff ?? DEFAULTS.backoff;
  const h = opts.heartbeat ?? DEFAULTS.heartbeat;
  const backoff = {
    initialMs: nonNegativeInt('options.backoff', 'initialMs', b.initialMs, DEFAULTS.backoff.initialMs),
    maxMs: nonNegativeInt('options.backoff', 'maxMs', b.maxMs, DEFAULTS.backoff.maxMs),
    resetAfterMs: positiveInt('options.backoff', 'resetAfterMs', b.resetAfterMs, DEFAULTS.backoff.resetAfterMs),
  };
  if (backoff.maxMs < backoff.initialMs) throw errors.specField('options.backoff', 'maxMs', 'must be at least initialMs');
  const heartbeat = {
    intervalMs: positiveInt('options.heartbeat', 'intervalMs', h.intervalMs, DEFAULTS.heartbeat.intervalMs),
    timeoutMs: positiveInt('options.heartbeat', 'timeoutMs', h.timeoutMs, DEFAULTS.heartbeat.timeoutMs),
  };
  if (heartbeat.timeoutMs < heartbeat.intervalMs) {
    throw errors.specField('options.heartbeat', 'timeoutMs', 'must be at least intervalMs');
  }
  return {
    children,
    strategy,
    intensity: {
      maxRestarts: nonNegativeInt('options.intensity', 'maxRestarts', i.maxRestarts, DEFAULTS.intensity.maxRestarts),
      withinMs: positiveInt('options.intensity', 'withinMs', i.withinMs, DEFAULTS.intensity.withinMs),
    },
    backoff,
    heartbeat,
  };
}

/** Restart n (1-based) of an actor that keeps crashing waits between half and all of this. */
export function backoffDelay(b: Resolved['backoff'], n: number, random: () => number = Math.random): number {
  const full = Math.min(b.maxMs, b.initialMs * 2 ** Math.max(0, n - 1));
  return Math.round(full / 2 + (random() * full) / 2);
}
