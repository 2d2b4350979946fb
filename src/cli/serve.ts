// `batchboard serve`: the live leaderboard page over any warehouse, read-only (src/web/). Prints
// its URL as the first line of stdout and serves until SIGINT or SIGTERM (exit 0).
import { isIP } from 'node:net';
import { WebServer } from '../web/server.ts';
import { UsageError } from './errors.ts';
import { DEFAULT_WAREHOUSE, parseFlags, stringFlag } from './flags.ts';

const C = 'serve';
export const DEFAULT_HTTP = '127.0.0.1:8321';
const TOKEN_ENV = 'BATCHBOARD_HTTP_TOKEN';

export const FLAGS_HELP = [
  'batchboard serve [--warehouse PATH|URL] [--http HOST:PORT] [--http-token TOKEN]',
  `  --warehouse PATH|URL  the warehouse to show, read-only (default ${DEFAULT_WAREHOUSE})`,
  `  --http HOST:PORT      where to listen (default ${DEFAULT_HTTP}; port 0: any free one)`,
  `  --http-token TOKEN    every request must carry it (default $${TOKEN_ENV}); required for an address other than loopback`,
].join('\n');

/** `--http HOST:PORT`, and whether the host is loopback. */
export function httpAddress(command: string, value: string): { host: string; port: number; loopback: boolean } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (m === null || host === undefined || port > 65535) throw new UsageError(`${command}: --http must be HOST:PORT (for example 127.0.0.1:8321), got ${JSON.stringify(value)}`);
  const loopback = host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
  return { host, port, loopback };
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags(C, argv, { warehouse: { type: 'string' }, http: { type: 'string' }, 'http-token': { type: 'string' } });
  const warehouse = stringFlag(C, values, 'warehouse') ?? DEFAULT_WAREHOUSE;
  const addr = httpAddress(C, stringFlag(C, values, 'http') ?? DEFAULT_HTTP);
  const token = stringFlag(C, values, 'http-token') ?? process.env[TOKEN_ENV];
  if (token !== undefined && token.length < 16) throw new UsageError(`${C}: --http-token must be at least 16 characters`);
  if (!addr.loopback && token === undefined) {
    throw new UsageError(`${C}: --http ${addr.host} is not a loopback address: set --http-token (or ${TOKEN_ENV}) so that every request must carry it`);
  }
  let server: WebServer;
  try {
    server = await WebServer.start({
      warehouse,
      host: addr.host,
      port: addr.port,
      ...(token === undefined ? {} : { token }),
      onError: (err) => process.stderr.write(`${JSON.stringify({ event: 'web.read_failed', error: err.message })}\n`),
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE' || e.code === 'EADDRNOTAVAIL' || e.code === 'EACCES') throw new UsageError(`${C}: cannot listen on ${addr.host}:${addr.port}: ${e.code}`);
    throw err;
  }
  process.stdout.write(`${server.url}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve).once('SIGTERM', resolve);
  });
  await server.close();
  return 0;
}
