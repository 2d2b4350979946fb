// The flags that name the sources and the warehouse, one parser for every command that takes them
// (start, the demo, rebuild, verify): the same checks, the same wording, the token from the
// environment, and credentials in the API URL never shown.
import { existsSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { apiBase, apiUrlProblem } from '../domain/identity.ts';
import { readWarehouse } from '../storage/reader.ts';
import { isPostgresUrl } from '../domain/identity.ts';
import { WarehouseError } from '../storage/errors.ts';
import { DEFAULT_MIN_LESSONS } from '../domain/records.ts';
import { UsageError } from './errors.ts';
import { dateFlag, intFlag, requiredFlag, stringFlag, type FlagSpec, type FlagValues } from './flags.ts';

export const TOKEN_ENV = 'BATCHBOARD_API_TOKEN';

export const SOURCE_FLAGS: FlagSpec = {
  'api': { type: 'string' },
  'students': { type: 'string' },
  'log': { type: 'string', multiple: true },
  'warehouse': { type: 'string' },
  'min-lessons': { type: 'string' },
  'since': { type: 'string' },
  'api-token': { type: 'string' },
};

export const SOURCE_NAMES = ['api', 'students', 'log'] as const;

export interface SourceFlags {
  /** The API's base URL, without a trailing slash. */
  api: string;
  token?: string;
  students: string;
  /** The (first) log. */
  log: string;
  /** Every --log given (rebuild and verify over several pipelines' logs); [log] for one. */
  logs: string[];
  warehouse: string;
  /** Undefined when not given: the caller decides (the default, or the warehouse's own). */
  minLessons?: number;
  since?: string;
}

/**
 * The source flags of `values`, each checked; all three sources and the warehouse are required.
 * `--log` once, unless `manyLogs` (rebuild and verify of a PostgreSQL warehouse several pipelines
 * write: once per log, CONTRACTS §4b).
 */
export function sourceFlags(command: string, values: FlagValues, o: { manyLogs?: boolean } = {}): SourceFlags {
  const api = requiredFlag(command, values, 'api');
  const problem = apiUrlProblem(api);
  if (problem !== null) throw new UsageError(`${command}: --api ${problem}`);
  const token = stringFlag(command, values, 'api-token') ?? (process.env[TOKEN_ENV] || undefined);
  const minLessons = intFlag(command, values, 'min-lessons', { min: 1, max: 1_000_000 });
  const since = dateFlag(command, values, 'since');
  const logs = logFlags(command, values['log']);
  const warehouse = requiredFlag(command, values, 'warehouse');
  if (logs.length > 1 && !o.manyLogs) throw new UsageError(`${command}: --log is given ${logs.length} times; a pipeline tails one log`);
  if (logs.length > 1 && !isPostgresUrl(warehouse)) {
    throw new UsageError(`${command}: --log is given ${logs.length} times, but an SQLite warehouse is one pipeline's, built from one log; several logs share a PostgreSQL warehouse`);
  }
  const twice = logs.find((l, i) => logs.findIndex((m) => resolvePath(m) === resolvePath(l)) !== i);
  if (twice !== undefined) throw new UsageError(`${command}: --log ${twice} is given twice`);
  return {
    api: apiBase(api),
    ...(token !== undefined && { token }),
    students: requiredFlag(command, values, 'students'),
    log: logs[0]!,
    logs,
    warehouse,
    ...(minLessons !== undefined && { minLessons }),
    ...(since !== undefined && { since }),
  };
}

function logFlags(command: string, v: FlagValues[string]): string[] {
  const all = v === undefined ? [] : Array.isArray(v) ? v : [String(v)];
  if (all.length === 0) throw new UsageError(`${command}: --log is required`);
  if (all.some((l) => l === '')) throw new UsageError(`${command}: --log needs a value`);
  return all;
}

/** The lines of `--help` that describe the source flags. */
export function sourceFlagsHelp(minLessonsDefault = `default ${DEFAULT_MIN_LESSONS}`): string {
  return [
    '  --api URL              the batches API\'s base URL (GET URL/batches)',
    '  --students PATH        the students SQLite database (opened read-only)',
    '  --log PATH             the live test runs log; its rotated files PATH.1, PATH.2, ... sit beside it',
    '  --warehouse PATH|URL   the warehouse: an SQLite file, or postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?schema=NAME]',
    `  --min-lessons N        completed lessons for a qualified student (${minLessonsDefault})`,
    '  --since YYYY-MM-DD     only batches created on or after that date (default: all)',
    `  --api-token TOKEN      bearer token for the API (default: $${TOKEN_ENV}); never printed`,
  ].join('\n');
}

/** `rebuild` and `verify`: the minimum of lessons is the flag's, else the warehouse's own, else the default. */
export async function minLessonsFor(s: SourceFlags): Promise<number> {
  if (s.minLessons !== undefined) return s.minLessons;
  if (!isPostgresUrl(s.warehouse) && !existsSync(s.warehouse)) return DEFAULT_MIN_LESSONS;
  try {
    return (await readWarehouse(s.warehouse, (r) => r.minLessons())) ?? DEFAULT_MIN_LESSONS;
  } catch (err) {
    // A PostgreSQL database (or schema) with no warehouse yet: the first rebuild creates it.
    if (err instanceof WarehouseError && err.code === 'BB_NO_WAREHOUSE') return DEFAULT_MIN_LESSONS;
    throw err;
  }
}
