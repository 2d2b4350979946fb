// Every error the runtime raises, in one place, with stable wording that tests match.
// Spec errors name the field and the reason, after OTP's `invalid_restart_type` and friends.

export class SpecError extends Error {
  override name = 'SpecError';
}

export class RuntimeError extends Error {
  override name = 'RuntimeError';
}

/**
 * A send given up because the sending actor is stopping and the receiver is not running: the
 * message was never accepted. While stopping, the runtime does not count it as a crash.
 */
export class SendAbandoned extends RuntimeError {
  override name = 'SendAbandoned';
}

/** A send refused because its receiver has stopped and will not be started again. */
export class ReceiverGone extends RuntimeError {
  override name = 'ReceiverGone';
}

/** A send that failed because the receiver is known not to be there: nobody to tell, nothing to report. */
export function receiverGone(err: unknown): boolean {
  return err instanceof SendAbandoned || err instanceof ReceiverGone;
}

export const errors = {
  specField: (where: string, field: string, must: string) => new SpecError(`${where}.${field} ${must}`),
  duplicateChildName: (name: string) => new SpecError(`duplicate child name '${name}'`),
  noChildren: () => new SpecError('options.children must list at least one child'),
  noSuchActor: (name: string, known: string[]) =>
    new RuntimeError(`no actor named '${name}' (actors: ${known.join(', ')})`),
  unknownMessage: (actor: string, tag: unknown) =>
    new RuntimeError(
      `actor '${actor}' received a message with unknown type ${JSON.stringify(tag) ?? String(tag)}`,
    ),
  notAMessage: (actor: string, value: unknown) =>
    new RuntimeError(`actor '${actor}' received ${describe(value)}, not a message object with a string 'type'`),
  badActorModule: (module: string, why: string) =>
    new RuntimeError(`actor module ${module} is not an actor: ${why}`),
  startTimeout: (actor: string, ms: number) =>
    new RuntimeError(`actor '${actor}' did not become ready within ${ms} ms`),
  stalled: (actor: string, ms: number) =>
    new RuntimeError(`actor '${actor}' stopped answering heartbeats for ${ms} ms (event loop stalled)`),
  acceptsNothing: (actor: string) => new RuntimeError(`actor '${actor}' accepts no messages (its module has no handle)`),
  goneForGood: (actor: string) => new ReceiverGone(`actor '${actor}' has stopped and will not be restarted`),
  notBackAfterRestart: (actor: string, why: string) =>
    new RuntimeError(`actor '${actor}' was restarted but did not become ready: ${why}`),
  uncloneableArgs: (where: string, why: string) =>
    new SpecError(`${where}.args must be structured-cloneable (plain data): ${why}`),
  shuttingDownStart: (actor: string) => new RuntimeError(`actor '${actor}' was still starting when the supervisor shut down`),
  exited: (actor: string, code: number) => new RuntimeError(`actor '${actor}' exited unexpectedly with code ${code}`),
  sendAbandoned: (to: string) =>
    new SendAbandoned(`send to '${to}' abandoned: this actor is stopping and '${to}' is not running`),
  supervisorStopping: () => new RuntimeError('the supervisor is shutting down'),
  intensity: (actor: string, max: number, withinMs: number, last: string) =>
    new RuntimeError(
      `actor '${actor}' crashed more than ${max} times within ${withinMs / 1000} s; ` +
        `the supervisor stopped everything. Last error: ${last}`,
    ),
  socketPathTooLong: (path: string) =>
    new RuntimeError(
      `control socket path is too long for a Unix socket (${Buffer.byteLength(path)} > 100 bytes): ${path}`,
    ),
  notASocket: (path: string) =>
    new RuntimeError(`${path} exists and is not a socket: move it away so the control socket can be created`),
  alreadyRunning: (path: string) =>
    new RuntimeError(`another supervisor is already running with control socket ${path}`),
  noSupervisor: (path: string) =>
    new RuntimeError(`no running supervisor answers at ${path} (is batchboard start running for this warehouse?)`),
  controlClosed: (path: string) => new RuntimeError(`the supervisor at ${path} closed the connection without answering`),
  controlGarbled: (path: string) => new RuntimeError(`the supervisor at ${path} answered something that is not JSON`),
  controlUnreachable: (path: string, why: string) => new RuntimeError(`cannot reach the supervisor at ${path}: ${why}`),
  controlTimeout: (path: string, ms: number) =>
    new RuntimeError(`the supervisor at ${path} did not answer within ${ms} ms`),
};

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a value of type ${typeof value}`;
}

/** Errors cross thread and socket boundaries as plain data and are rebuilt on the other side. */
export interface SerializedError {
  name: string;
  message: string;
  /** A library's error code (SQLITE_FULL, ECONNRESET, ...), when the thrown value had one. */
  code?: string;
  stack?: string;
}

/**
 * Anything thrown, as data that says what it was: an Error, an object that only looks like one (a
 * native library's error reaches the supervisor's `error` event as a plain object with its own
 * enumerable fields, its message lost), a string, any other value. Never "[object Object]".
 */
export function serializeError(err: unknown): SerializedError {
  const o = typeof err === 'object' && err !== null ? (err as Record<string, unknown>) : null;
  const code = typeof o?.['code'] === 'string' || typeof o?.['code'] === 'number' ? String(o['code']) : undefined;
  const withCode = code === undefined ? {} : { code };
  if (err instanceof Error) return { name: err.name, message: err.message, ...withCode, ...(err.stack === undefined ? {} : { stack: err.stack }) };
  if (o !== null) {
    const name = typeof o['name'] === 'string' && o['name'] !== '' ? o['name'] : 'Error';
    let message = typeof o['message'] === 'string' ? o['message'] : '';
    if (message === '') message = code === undefined ? `a thrown ${describeThrown(o)}` : 'no message given';
    return { name, message, ...withCode, ...(typeof o['stack'] === 'string' ? { stack: o['stack'] } : {}) };
  }
  if (typeof err === 'string') return { name: 'Error', message: err };
  return { name: 'Error', message: `a thrown ${typeof err}: ${String(err)}` };
}

function describeThrown(o: Record<string, unknown>): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(o);
  } catch {
    json = undefined;
  }
  return `object ${json === undefined || json === '{}' ? `with keys [${Object.keys(o).join(', ')}]` : json.slice(0, 200)}`;
}

/** One line for logs and status: "SqliteError [SQLITE_FULL]: database or disk is full". */
export function reason(err: unknown): string {
  const e = err instanceof Error ? serializeError(err) : typeof err === 'object' && err !== null && 'message' in err ? (err as SerializedError) : serializeError(err);
  return `${e.name ?? 'Error'}${e.code === undefined ? '' : ` [${e.code}]`}: ${e.message}`;
}
