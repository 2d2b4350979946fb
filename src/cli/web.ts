// The web page's flags and server for the commands that serve it: `serve` (over a warehouse alone)
// and `start --http` / the demo (beside the running pipeline, with the operator panel, its restart
// token and the pipeline's metrics). One parser, one wording.
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { WebServer } from '../web/server.ts';
import { PipelineView } from '../web/pipeline-view.ts';
import type { Supervisor } from '../runtime/index.ts';
import { UsageError } from './errors.ts';
import { stringFlag, type FlagValues } from './flags.ts';

export const DEFAULT_HTTP = '127.0.0.1:8321';
export const HTTP_TOKEN_ENV = 'BATCHBOARD_HTTP_TOKEN';

export const HTTP_FLAGS = { 'http': { type: 'string' }, 'http-token': { type: 'string' } } as const;

export function httpFlagsHelp(defaultHttp: string): string {
  return [
    `  --http HOST:PORT       serve the web page there, port 0: any free one (${defaultHttp})`,
    `  --http-token TOKEN     every request must carry it (default $${HTTP_TOKEN_ENV}); required for an address other than loopback`,
  ].join('\n');
}

export interface HttpAddress {
  host: string;
  port: number;
  loopback: boolean;
}

/** `--http HOST:PORT`, and whether the host is loopback. */
export function httpAddress(command: string, value: string): HttpAddress {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (m === null || host === undefined || port > 65535) throw new UsageError(`${command}: --http must be HOST:PORT (for example 127.0.0.1:8321), got ${JSON.stringify(value)}`);
  const loopback = host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
  return { host, port, loopback };
}

export interface HttpFlags extends HttpAddress {
  token?: string;
  /** Whether --http was given (the demo falls back to a free port only when it was not). */
  given: boolean;
}

/**
 * `--http` and `--http-token` (or BATCHBOARD_HTTP_TOKEN): undefined when the page is not served
 * (no --http and no default). A token shorter than 16 characters, or an address other than
 * loopback without one, is refused.
 */
export function httpFlags(command: string, values: FlagValues, defaultHttp?: string): HttpFlags | undefined {
  const value = stringFlag(command, values, 'http');
  const tokenFlag = stringFlag(command, values, 'http-token');
  if (value === undefined && defaultHttp === undefined) {
    if (tokenFlag !== undefined) throw new UsageError(`${command}: --http-token needs --http HOST:PORT (the web page is served only when asked)`);
    return undefined;
  }
  const addr = httpAddress(command, value ?? defaultHttp!);
  const token = tokenFlag ?? (process.env[HTTP_TOKEN_ENV] || undefined);
  if (token !== undefined && token.length < 16) throw new UsageError(`${command}: --http-token must be at least 16 characters`);
  if (!addr.loopback && token === undefined) {
    throw new UsageError(`${command}: --http ${addr.host} is not a loopback address: set --http-token (or ${HTTP_TOKEN_ENV}) so that every request must carry it`);
  }
  return { ...addr, ...(token === undefined ? {} : { token }), given: value !== undefined };
}

const webLog = (err: Error): void => void process.stderr.write(`${JSON.stringify({ event: 'web.read_failed', error: err.message })}\n`);

/**
 * Listens on `http`; an address that cannot be taken is a UsageError (exit 2), unless `fallback`
 * (the demo's default port): then any free port of the same host, so that a second demo or
 * another program on 8321 does not stop it.
 */
export async function startWeb(command: string, warehouse: string, http: HttpFlags, o: { restartToken?: string; fallback?: boolean } = {}): Promise<WebServer> {
  const start = (port: number) =>
    WebServer.start({
      warehouse,
      host: http.host,
      port,
      ...(http.token === undefined ? {} : { token: http.token }),
      ...(o.restartToken === undefined ? {} : { restartToken: o.restartToken }),
      onError: webLog,
    });
  try {
    return await start(http.port);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE' && o.fallback === true) return start(0).catch((again: NodeJS.ErrnoException) => Promise.reject(listenError(command, http, again)));
    throw listenError(command, http, e);
  }
}

function listenError(command: string, http: HttpAddress, e: NodeJS.ErrnoException): Error {
  if (e.code === 'EADDRINUSE' || e.code === 'EADDRNOTAVAIL' || e.code === 'EACCES') return new UsageError(`${command}: cannot listen on ${http.host}:${http.port}: ${e.code}`);
  return e;
}

/** A per-run restart token: 144 random bits, URL-safe. */
export function newRestartToken(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * The page served beside a running pipeline: the operator panel and the metrics see its
 * supervisor. Call from runSupervisor's onSupervisor (before the actors start). Returns the lines
 * to print: the URL first, then the operator panel's link with the restart token in its fragment,
 * and the token itself.
 */
export function attachPipeline(server: WebServer, supervisor: Supervisor, restartToken: string): { view: PipelineView; lines: string } {
  const view = new PipelineView(supervisor);
  server.attachPipeline(view);
  const url = new URL(server.url);
  const operator = new URL('/operator', url);
  operator.search = url.search;
  operator.hash = `restart=${restartToken}`;
  return { view, lines: `${server.url}\noperator panel: ${operator.href}\noperator token: ${restartToken}\n` };
}
