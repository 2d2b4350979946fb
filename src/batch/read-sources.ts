// What `rebuild` and `verify` share: reading all three sources as they are now and the
// from-scratch computation over them.
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { computeWarehouse, type ComputedWarehouse } from '../domain/aggregate.ts';
import type { Offsets } from '../domain/offsets.ts';
import type { Rejected } from '../domain/records.ts';
import { BatchesApi } from '../sources/batches/api.ts';
import { ApiError } from '../sources/batches/errors.ts';
import { fetchAllBatches } from '../sources/batches/paging.ts';
import { SourceError } from '../sources/errors.ts';
import { PACK } from '../sources/log/lines.ts';
import { pairsOf, scanLog, type ScanOptions } from './scan/scan.ts';
import { readAllStudents } from '../sources/students/reader.ts';
import { listLog } from '../sources/log/files.ts';

const API_TIMEOUT_MS = 30_000;

export interface SourcesToRead {
  api: string;
  token?: string;
  students: string;
  log: string;
  /** YYYY-MM-DD: batches created on or after it; absent: all. */
  since?: string;
}

export interface SourcesRead {
  computed: ComputedWarehouse;
  rejected: Rejected[];
  offsets: Offsets;
  /** Valid test runs read, completing or not. */
  runs: number;
  /** Bytes of log read. */
  bytes: number;
}

/**
 * Reads everything the sources hold now and computes the warehouse from it. The local files are
 * read first: a missing one fails at once, before any wait on the API. A source that cannot be read
 * is a SourceError or an ApiError naming it (never the token).
 */
export async function readAndCompute(o: SourcesToRead, minLessons: number, progress?: ScanOptions['progress']): Promise<SourcesRead> {
  if (!existsSync(o.students)) throw new SourceError(`students database ${o.students} does not exist`);
  // PATH alone may be missing for a while: between a rotation's rename and the new file, or with
  // logrotate's `nocreate` (then only PATH.1 or PATH.1.gz is there).
  if (!existsSync(o.log) && listLog(o.log).length === 0) {
    throw new SourceError(`log ${o.log} does not exist, nor any rotated file (${basename(o.log)}.1, ...) beside it`);
  }
  // The three at once: the log on the scan's threads, the API's pages and the students table here.
  const api = new BatchesApi({ url: o.api, ...(o.token === undefined ? {} : { token: o.token }), timeoutMs: API_TIMEOUT_MS });
  const scanned = step(`log ${o.log}`, () => scanLog(o.log, progress === undefined ? {} : { progress }));
  const pages = step(`batches API ${api.url}`, () => fetchAllBatches(api, o.since === undefined ? {} : { since: o.since }));
  // Neither may be left unobserved should another fail first.
  scanned.catch(() => {});
  pages.catch(() => {});
  let students, log, fetched;
  try {
    students = await step(`students database ${o.students}`, () => readAllStudents(o.students));
    log = await scanned;
    fetched = await pages;
  } finally {
    api.close();
  }
  // Ids that do not pack (rare) take the general computation.
  const completions = log.odd.length === 0 ? { keys: log.keys, pack: PACK } : pairsOf(log);
  const computed = computeWarehouse({ batches: fetched.batches, students: students.students, completions, minLessons });
  return {
    computed,
    rejected: [...fetched.rejected, ...students.rejected, ...log.rejected],
    offsets: { batches: fetched.cursor, students: { hwm: students.hwm }, test_runs: log.offset },
    runs: log.runs,
    bytes: log.bytes,
  };
}

// Any failure to read a source is "a source that cannot be opened" (CONTRACTS §5). SourceError and
// ApiError already name their file or URL; anything else is named here.
async function step<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof SourceError || err instanceof ApiError) throw err;
    throw new SourceError(`cannot read ${what}: ${String((err as Error)?.message ?? err).split('\n')[0]}`);
  }
}
