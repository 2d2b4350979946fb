// `batchboard top`: the leaderboard of CONTRACTS §4, read from the warehouse read-only, so it can
// run at any time, also while a supervisor writes the warehouse.
import { readWarehouse } from '../storage/reader.ts';
import { jsonVisible } from '../runtime/text.ts';
import { DEFAULT_WAREHOUSE, intFlag, parseFlags, stringFlag } from './flags.ts';
import { formatTable } from './table.ts';

export const DEFAULT_LIMIT = 10;
export const MAX_LIMIT = 1_000;

export const FLAGS_HELP = [
  'batchboard top [--warehouse PATH|URL] [--limit N] [--json]',
  `  --warehouse PATH|URL  the warehouse: a SQLite file or postgres://USER@HOST[:PORT]/DB[?schema=S] (default ${DEFAULT_WAREHOUSE})`,
  `  --limit N          how many batches, 1..${MAX_LIMIT} (default ${DEFAULT_LIMIT})`,
  '  --json             a JSON array of {rank, id, name, qualified_students} instead of a table',
].join('\n');

export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags('top', argv, { warehouse: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } });
  const warehouse = stringFlag('top', values, 'warehouse') ?? DEFAULT_WAREHOUSE;
  const limit = intFlag('top', values, 'limit', { min: 1, max: MAX_LIMIT }) ?? DEFAULT_LIMIT;
  const rows = await readWarehouse(warehouse, (r) => r.leaderboard(limit));
  const ranked = rows.map((r, i) => ({ rank: i + 1, id: r.id, name: r.name, qualified_students: r.qualified_students }));
  process.stdout.write(values['json'] === true ? jsonVisible(JSON.stringify(ranked, null, 2)) + '\n' : formatTop(ranked));
  return 0;
}

/** Numbers right-aligned, names left-aligned. */
export function formatTop(rows: { rank: number; id: number; name: string; qualified_students: number }[]): string {
  if (rows.length === 0) return 'no batches in the warehouse yet\n';
  return formatTable([['rank', 'id', 'name', 'qualified_students'], ...rows.map((r) => [String(r.rank), String(r.id), r.name, String(r.qualified_students)])], [0, 1, 3]);
}
