// The control socket: a Unix socket (mode 0600) beside a path the caller gives, speaking one
// JSON request and one JSON answer per line, answers in the order of the requests. Nothing
// listens on a network address.
import net from 'node:net';
import fs from 'node:fs';
import { dirname } from 'node:path';
import type { Supervisor, SupervisorEvent } from './supervisor.ts';
import { errors } from './errors.ts';

export type ControlRequest = { cmd: 'status' } | { cmd: 'events' } | { cmd: 'restart'; name: string };
export type ControlResponse = { ok: true; result: unknown } | { ok: false; error: string };

// sun_path holds 108 bytes on Linux, 104 on macOS; stay clear of both.
const MAX_SOCKET_PATH = 100;
const MAX_REQUEST = 64 * 1024;
/** Requests of one connection taken and not yet answered, at most. */
const MAX_PENDING = 32;
/** Answers written and not yet read by the client, at most (bytes), before its requests wait. */
const MAX_UNREAD_BYTES = 1 << 20;

/** Lifecycle events kept for `status` (the newest last). */
const RECENT_EVENTS = 20;

export class ControlServer {
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly path: string,
  ) {
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  static async listen(path: string, supervisor: Supervisor): Promise<ControlServer> {
    if (Buffer.byteLength(path) > MAX_SOCKET_PATH) throw errors.socketPathTooLong(path);
    // A directory of sockets of this user's (a runtime directory) is made on first use, private.
    fs.mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    await removeStaleSocket(path);
    // The supervisor's own lifecycle (starts, crashes, restarts, backoffs), newest last.
    const recent: SupervisorEvent[] = [];
    supervisor.on('event', (e) => {
      if (!/^(actor|supervisor)\./.test(e.event)) return;
      recent.push(e);
      if (recent.length > RECENT_EVENTS) recent.shift();
    });
    const server = net.createServer((socket) => serve(socket, supervisor, recent));
    const control = new ControlServer(server, path);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // A Unix socket is bound synchronously inside listen(): the umask makes it 0600 from its
      // first moment, and no other code of this thread runs while the umask is narrowed.
      const old = process.umask(0o177);
      try {
        server.listen(path, () => {
          server.off('error', reject);
          resolve();
        });
      } finally {
        process.umask(old);
      }
    });
    fs.chmodSync(path, 0o600);
    server.unref();
    return control;
  }

  /** Stops listening and ends open connections (an idle client must not hold the process). */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
    fs.rmSync(this.path, { force: true });
  }
}

function serve(socket: net.Socket, supervisor: Supervisor, recent: readonly SupervisorEvent[]): void {
  let buf = '';
  let refused = false;
  let answering: Promise<void> = Promise.resolve();
  /** Requests taken and not yet answered. */
  let pending = 0;
  // A client that sends requests without reading the answers must not make the supervisor hold
  // them all (100,000 pipelined `status` requests were 200 MB): past these bounds, requests stay
  // unread in the socket, and the client's writes wait, until it reads.
  const full = (): boolean => pending >= MAX_PENDING || socket.writableLength >= MAX_UNREAD_BYTES;
  // One at a time, so that answers come back in the order of the requests.
  const reply = (res: () => Promise<ControlResponse>, last = false) => {
    pending++;
    answering = answering.then(async () => {
      const line = JSON.stringify(await res()) + '\n';
      pending--;
      if (socket.destroyed) return;
      if (last) socket.end(line);
      else socket.write(line);
      take();
    });
  };
  const tooLong = () => {
    refused = true;
    buf = '';
    reply(async () => ({ ok: false, error: `request longer than ${MAX_REQUEST} bytes` }), true);
  };
  /** Takes the whole requests buffered, while there is room for their answers. */
  const take = (): void => {
    if (refused || socket.destroyed) return;
    let nl: number;
    while (!full() && (nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (Buffer.byteLength(line) > MAX_REQUEST) return tooLong();
      reply(() => answer(line, supervisor, recent));
    }
    if (Buffer.byteLength(buf) > MAX_REQUEST && buf.indexOf('\n') < 0) return tooLong();
    if (full() || buf.indexOf('\n') >= 0) socket.pause();
    else socket.resume();
  };
  socket.setEncoding('utf8');
  socket.on('error', () => socket.destroy());
  socket.on('drain', take);
  socket.on('data', (chunk: string) => {
    if (refused) return;
    buf += chunk;
    take();
  });
}

async function answer(line: string, supervisor: Supervisor, recent: readonly SupervisorEvent[]): Promise<ControlResponse> {
  let req: unknown;
  try {
    req = JSON.parse(line);
  } catch {
    return { ok: false, error: 'request is not JSON' };
  }
  if (req === null || typeof req !== 'object' || typeof (req as { cmd?: unknown }).cmd !== 'string') {
    return { ok: false, error: 'request must be a JSON object with a string "cmd"' };
  }
  const r = req as ControlRequest;
  try {
    switch (r.cmd) {
      case 'status':
        return { ok: true, result: supervisor.status() };
      case 'events':
        return { ok: true, result: recent };
      case 'restart':
        if (typeof r.name !== 'string') return { ok: false, error: 'restart needs an actor name' };
        await supervisor.restart(r.name);
        return { ok: true, result: supervisor.status().find((s) => s.name === r.name) };
      default:
        return { ok: false, error: `unknown control command ${JSON.stringify((r as { cmd: unknown }).cmd)}` };
    }
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/** A socket file left by a supervisor that died is removed; one that answers belongs to a live one. */
async function removeStaleSocket(path: string): Promise<void> {
  const stat = fs.statSync(path, { throwIfNoEntry: false });
  if (stat === undefined) return;
  if (!stat.isSocket()) throw errors.notASocket(path);
  if (await supervisorAnswers(path)) throw errors.alreadyRunning(path);
  fs.rmSync(path, { force: true });
}

/** Whether a supervisor listens at `path` (a socket left by a killed process does not answer). */
export function supervisorAnswers(path: string): Promise<boolean> {
  if (!fs.existsSync(path)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const s = net.connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * `dir`, a directory of this user's control sockets (made when missing, mode 0700), checked to be
 * a real directory that only this user can reach: another user who made it first (in a shared
 * /tmp) could otherwise plant sockets there that answer for batchboard. Throws an Error naming it.
 */
export function privateSocketDir(dir: string): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.lstatSync(dir);
  const uid = process.getuid?.();
  if (!st.isDirectory()) throw new Error(`the control socket directory ${dir} is not a directory`);
  if (uid !== undefined && st.uid !== uid) throw new Error(`the control socket directory ${dir} belongs to another user (uid ${st.uid}): remove it, or set XDG_RUNTIME_DIR`);
  if ((st.mode & 0o077) !== 0) throw new Error(`the control socket directory ${dir} can be reached by other users (mode ${(st.mode & 0o777).toString(8)}): chmod 700 it`);
  return dir;
}

/** Sends one request to the supervisor listening at `path` and returns its answer. */
export function controlRequest(path: string, req: ControlRequest, timeoutMs = 30_000): Promise<ControlResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(path);
    let buf = '';
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      f();
    };
    const timer = setTimeout(() => settle(() => reject(errors.controlTimeout(path, timeoutMs))), timeoutMs);
    socket.setEncoding('utf8');
    socket.once('connect', () => socket.write(JSON.stringify(req) + '\n'));
    socket.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      settle(() => {
        try {
          resolve(JSON.parse(buf.slice(0, nl)) as ControlResponse);
        } catch {
          reject(errors.controlGarbled(path));
        }
      });
    });
    socket.once('close', () => settle(() => reject(errors.controlClosed(path))));
    socket.once('error', (err: NodeJS.ErrnoException) => {
      settle(() =>
        reject(
          err.code === 'ENOENT' || err.code === 'ECONNREFUSED'
            ? errors.noSupervisor(path)
            : errors.controlUnreachable(path, err.message),
        ),
      );
    });
  });
}
