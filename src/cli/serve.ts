// `batchboard serve`: the live leaderboard page over any warehouse, read-only (src/web/). Prints
// its URL as the first line of stdout and serves until SIGINT or SIGTERM (exit 0). No pipeline
// runs here: the operator panel says so, and /metrics has the warehouse's numbers only.
import { DEFAULT_WAREHOUSE, parseFlags, stringFlag } from './flags.ts';
import { DEFAULT_HTTP, HTTP_FLAGS, httpFlags, httpFlagsHelp, startWeb } from './web.ts';

const C = 'serve';

export const FLAGS_HELP = [
  'batchboard serve [--warehouse PATH|URL] [--http HOST:PORT] [--http-token TOKEN]',
  `  --warehouse PATH|URL   the warehouse to show, read-only (default ${DEFAULT_WAREHOUSE})`,
  httpFlagsHelp(`default ${DEFAULT_HTTP}`),
].join('\n');

export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags(C, argv, { warehouse: { type: 'string' }, ...HTTP_FLAGS });
  const warehouse = stringFlag(C, values, 'warehouse') ?? DEFAULT_WAREHOUSE;
  const http = httpFlags(C, values, DEFAULT_HTTP)!;
  const server = await startWeb(C, warehouse, http);
  process.stdout.write(`${server.url}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve).once('SIGTERM', resolve);
  });
  await server.close();
  return 0;
}
