// The flags that name the sources and the warehouse, one parser for every command that takes them
// (start, the demo, rebuild, verify): the same checks, the same wording, the token from the
// environment, and credentials in the API URL never shown.
import { existsSync } from 'node:fs';
import { apiBase, apiUrlProblem } from '../domain/identity.ts';
import { readWarehouse } from '../storage/reader.ts';
import { DEFAULT_MIN_LESSONS } from '../domain/records.ts';
import { UsageError } from './errors.ts';
import { dateFlag, intFlag, requiredFlag, stringFlag, type FlagSpec, type FlagValues } from './flags.ts';

export const TOKEN_ENV = 'BATCHBOARD_API_TOKEN';

export const SOURCE_FLAGS: FlagSpec = {
  'api': { type: 'string' },
  'students': { type: 'string' },
  'log': { type: 'string' },
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
  log: string;
  warehouse: string;
  /** Undefined when not given: the caller decides (the default, or the warehouse's own). */
  minLessons?: number;
  since?: string;
}

/** The source flags of `values`, each checked; all three sources and the warehouse are required. */
export function sourceFlags(command: string, values: FlagValues): SourceFlags {
  const api = requiredFlag(command, values, 'api');
  const problem = apiUrlProblem(api);
  if (problem !== null) throw new UsageError(`${command}: --api ${problem}`);
  const token = stringFlag(command, values, 'api-token') ?? (process.env[TOKEN_ENV] || undefined);
  const minLessons = intFlag(command, values, 'min-lessons', { min: 1, max: 1_000_000 });
  const since = dateFlag(command, values, 'since');
  return {
    api: apiBase(api),
    ...(token !== undefined && { token }),
    students: requiredFlag(command, values, 'students'),
    log: requiredFlag(command, values, 'log'),
    warehouse: requiredFlag(command, values, 'warehouse'),
    ...(minLessons !== undefined && { minLessons }),
    ...(since !== undefined && { since }),
  };
}

/** The lines of `--help` that describe the source flags. */
export function sourceFlagsHelp(minLessonsDefault = `default ${DEFAULT_MIN_LESSONS}`): string {
  return [
    '  --api URL              the batches API\'s base URL (GET URL/batches)',
    '  --students PATH        the students SQLite database (opened read-only)',
    '  --log PATH             the live test runs log; its rotated files PATH.1, PATH.2, ... sit beside it',
    '  --warehouse PATH       the warehouse SQLite file',
    `  --min-lessons N        completed lessons for a qualified student (${minLessonsDefault})`,
    '  --since YYYY-MM-DD     only batches created on or after that date (default: all)',
    `  --api-token TOKEN      bearer token for the API (default: $${TOKEN_ENV}); never printed`,
  ].join('\n');
}

/** `rebuild` and `verify`: the minimum of lessons is the flag's, else the warehouse's own, else the default. */
export function minLessonsFor(s: SourceFlags): number {
  if (s.minLessons !== undefined) return s.minLessons;
  if (!existsSync(s.warehouse)) return DEFAULT_MIN_LESSONS;
  return readWarehouse(s.warehouse, (r) => r.minLessons()) ?? DEFAULT_MIN_LESSONS;
}
