// What `rebuild` and `verify` share: their flags, reading all three sources as they are now, and
// the from-scratch computation over them.
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { controlSocketPath, intFlag, parseFlags, requiredFlag, stringFlag, type FlagSpec, type Parsed } from '../cli/flags.ts';
import { UsageError } from '../cli/errors.ts';
import { computeWarehouse, type ComputedWarehouse } from '../domain/aggregate.ts';
import type { Offsets } from '../domain/offsets.ts';
import { DEFAULT_MIN_LESSONS, type Rejected } from '../domain/records.ts';
import { isDate } from '../domain/validate.ts';
import { supervisorAnswers } from '../runtime/index.ts';
import { ApiError, BatchesApi, fetchAllBatches } from '../sources/batches/api.ts';
import { readWholeLog } from '../sources/log/follower.ts';
import { readAllStudents } from '../sources/students/reader.ts';
import { storedMinLessons } from '../storage/snapshot.ts';
import { WarehouseError } from '../storage/errors.ts';
import { SourceError } from '../sources/errors.ts';

export const TOKEN_ENV = 'BATCHBOARD_API_TOKEN';
const API_TIMEOUT_MS = 30_000;

const FLAGS: FlagSpec = {
  'api': { type: 'string' },
  'students': { type: 'string' },
  'log': { type: 'string' },
  'warehouse': { type: 'string' },
  'min-lessons': { type: 'string' },
  'api-token': { type: 'string' },
  'since': { type: 'string' },
};

export function flagsHelp(command: string): string {
  return [
    `batchboard ${command} --api URL --students PATH --log PATH --warehouse PATH [--min-lessons N] [--since YYYY-MM-DD] [--api-token T]`,
    '  --api URL          base URL of the batches API (GET URL/batches)',
    '  --students PATH    the students SQLite database (opened read-only)',
    '  --log PATH         the live test_runs.log; its rotated files PATH.1, PATH.2, ... are read too',
    '  --warehouse PATH   the warehouse',
    `  --min-lessons N    completed lessons for a qualified student (default: the warehouse's, else ${DEFAULT_MIN_LESSONS})`,
    '  --since DATE       only batches created on or after DATE, as `batchboard start --since` (default: all)',
    `  --api-token T      bearer token for the API (default: $${TOKEN_ENV}); never printed`,
  ].join('\n');
}

export interface BatchOptions {
  api: string;
  token: string | undefined;
  students: string;
  log: string;
  warehouse: string;
  /** Undefined: the warehouse's stored minimum, else the default. */
  minLessons: number | undefined;
  /** YYYY-MM-DD: batches created on or after it; undefined: all. */
  since: string | undefined;
}

export function parseBatchFlags(command: string, argv: string[]): BatchOptions {
  const { values } = parseFlags(command, argv, FLAGS);
  const api = requiredFlag(command, values, 'api');
  let url: URL;
  try {
    url = new URL(api);
  } catch {
    throw new UsageError(`${command}: --api must be a URL such as http://127.0.0.1:4010, got '${api}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${command}: --api must be an http or https URL, got '${api}'`);
  }
  const token = stringFlag(command, values, 'api-token') ?? (process.env[TOKEN_ENV] || undefined);
  return {
    api,
    token,
    students: requiredFlag(command, values, 'students'),
    log: requiredFlag(command, values, 'log'),
    warehouse: requiredFlag(command, values, 'warehouse'),
    minLessons: intFlag(command, values, 'min-lessons', { min: 1, max: 1_000_000 }),
    since: dateFlag(command, values, 'since'),
  };
}

function dateFlag(command: string, values: Parsed['values'], name: string): string | undefined {
  const v = stringFlag(command, values, name);
  if (v !== undefined && !isDate(v)) throw new UsageError(`${command}: --${name} must be a date YYYY-MM-DD, got '${v}'`);
  return v;
}

/** The flag, else the minimum the warehouse was built with, else the default. */
export function resolveMinLessons(command: string, o: BatchOptions): number {
  if (o.minLessons !== undefined) return o.minLessons;
  return asUsage(command, () => storedMinLessons(o.warehouse)) ?? DEFAULT_MIN_LESSONS;
}

/** Storage errors (a missing or foreign warehouse) become one-line usage errors, exit 2. */
export function asUsage<T>(command: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof WarehouseError) throw new UsageError(`${command}: ${err.message}`);
    throw err;
  }
}

/** Refuses to run beside a supervisor writing the same warehouse: two writers would interleave. */
export async function refuseIfSupervised(command: string, warehouse: string): Promise<void> {
  const socket = controlSocketPath(warehouse);
  if (await supervisorAnswers(socket)) {
    throw new UsageError(`${command}: a supervisor is running on warehouse ${warehouse} (it answers at ${socket}); stop it first`);
  }
}

export interface SourcesRead {
  computed: ComputedWarehouse;
  rejected: Rejected[];
  offsets: Offsets;
  /** Valid test runs read, completing or not. */
  runs: number;
}

/**
 * Reads everything the sources hold now and computes the warehouse from it. The local files are
 * read first: a missing one fails at once, before any wait on the API.
 */
export async function readAndCompute(command: string, o: BatchOptions, minLessons: number): Promise<SourcesRead> {
  if (!existsSync(o.students)) throw new UsageError(`${command}: students database ${o.students} does not exist`);
  // PATH alone may be missing for a moment, between a rotation's rename and the new file.
  if (!existsSync(o.log) && !existsSync(`${o.log}.1`)) {
    throw new UsageError(`${command}: log ${o.log} does not exist, nor any rotated file (${basename(o.log)}.1, ...) beside it`);
  }
  const students = sourceStep(command, `students database ${o.students}`, () => readAllStudents(o.students));
  const log = await sourceStepAsync(command, `log ${o.log}`, () => readWholeLog(o.log));
  const api = new BatchesApi({ url: o.api, token: o.token, timeoutMs: API_TIMEOUT_MS });
  let fetched;
  try {
    fetched = await sourceStepAsync(command, `batches API ${o.api}`, () => fetchAllBatches(api, o.since === undefined ? {} : { since: o.since }));
  } finally {
    api.close();
  }
  const computed = computeWarehouse({ batches: fetched.batches, students: students.students, completions: log.completions, minLessons });
  return {
    computed,
    rejected: [...fetched.rejected, ...students.rejected, ...log.rejected],
    offsets: { batches: fetched.cursor, students: { hwm: students.hwm }, test_runs: log.offset },
    runs: log.runs,
  };
}

// Any failure to read a source is "a source that cannot be opened" (CONTRACTS §5): one line
// naming it, exit 2. SourceError and ApiError already name their file or URL (never the token).
function sourceStep<T>(command: string, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw sourceFailed(command, what, err);
  }
}

async function sourceStepAsync<T>(command: string, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw sourceFailed(command, what, err);
  }
}

function sourceFailed(command: string, what: string, err: unknown): UsageError {
  const message = String((err as Error)?.message ?? err).split('\n')[0]!;
  const named = err instanceof SourceError || err instanceof ApiError;
  return new UsageError(`${command}: ${named ? message : `cannot read ${what}: ${message}`}`);
}
