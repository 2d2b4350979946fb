// The control socket: a Unix socket (mode 0600) beside a path the caller gives, speaking one
// JSON request and one JSON answer per line. Nothing listens on a network address.
import net from 'node:net';
import fs from 'node:fs';
import type { Supervisor } from './supervisor.ts';
import { errors } from './errors.ts';

export type ControlRequest = { cmd: 'status' } | { cmd: 'restart'; name: string };
export type ControlResponse = { ok: true; result: unknown } | { ok: false; error: string };

// sun_path holds 108 bytes on Linux, 104 on macOS; stay clear of both.
const MAX_SOCKET_PATH = 100;

export class ControlServer {
  private constructor(
    private readonly server: net.Server,
    readonly path: string,
  ) {}

  static async listen(path: string, supervisor: Supervisor): Promise<ControlServer> {
    if (Buffer.byteLength(path) > MAX_SOCKET_PATH) throw errors.socketPathTooLong(path);
    await removeStaleSocket(path);
    const server = net.createServer((socket) => serve(socket, supervisor));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    // Connecting needs write permission on the socket file, which the usual umask (022) already
    // withholds from others; 0600 then takes away reading as well. No process-wide umask
    // change, which would also hit files that actor threads create meanwhile.
    fs.chmodSync(path, 0o600);
    server.unref();
    return new ControlServer(server, path);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    fs.rmSync(this.path, { force: true });
  }
}

function serve(socket: net.Socket, supervisor: Supervisor): void {
  let buf = '';
  socket.setEncoding('utf8');
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      void answer(line, supervisor).then((res) => {
        if (!socket.destroyed) socket.write(JSON.stringify(res) + '\n');
      });
    }
    if (buf.length > 64 * 1024) socket.destroy();
  });
}

async function answer(line: string, supervisor: Supervisor): Promise<ControlResponse> {
  let req: ControlRequest;
  try {
    req = JSON.parse(line) as ControlRequest;
  } catch {
    return { ok: false, error: 'request is not JSON' };
  }
  try {
    switch (req.cmd) {
      case 'status':
        return { ok: true, result: supervisor.status() };
      case 'restart':
        if (typeof req.name !== 'string') return { ok: false, error: 'restart needs an actor name' };
        await supervisor.restart(req.name);
        return { ok: true, result: supervisor.status().find((s) => s.name === req.name) };
      default:
        return { ok: false, error: `unknown control command ${JSON.stringify((req as { cmd: unknown }).cmd)}` };
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
  const alive = await new Promise<boolean>((resolve) => {
    const s = net.connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
  if (alive) throw errors.alreadyRunning(path);
  fs.rmSync(path, { force: true });
}

/** Sends one request to the supervisor listening at `path` and returns its answer. */
export function controlRequest(path: string, req: ControlRequest, timeoutMs = 30_000): Promise<ControlResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(path);
    let buf = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(errors.controlTimeout(path, timeoutMs));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.once('connect', () => socket.write(JSON.stringify(req) + '\n'));
    socket.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      socket.end();
      try {
        resolve(JSON.parse(buf.slice(0, nl)) as ControlResponse);
      } catch (err) {
        reject(err as Error);
      }
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? errors.noSupervisor(path) : err);
    });
  });
}
