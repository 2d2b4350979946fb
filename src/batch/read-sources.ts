// What `rebuild` and `verify` share: reading all three sources as they are now and the
// from-scratch computation over them.
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { computeWarehouse, type ComputedWarehouse } from '../domain/aggregate.ts';
import type { Offsets } from '../domain/offsets.ts';
import type { Rejected } from '../domain/records.ts';
import { ApiError } from '../sources/batches/errors.ts';
import { fetchAllBatches } from '../sources/batches/paging.ts';
import { SourceError } from '../sources/errors.ts';
import { PACK, triplesOf } from '../domain/pair-times.ts';
import { scanLog, type ScannedLog, type ScanOptions } from './scan/scan.ts';
import { readAllStudents } from '../sources/students/reader.ts';
import { listLog } from '../sources/log/files.ts';

const API_TIMEOUT_MS = 30_000;

export interface SourcesToRead {
  api: string;
  token?: string;
  students: string;
  log: string;
  /** Several pipelines' logs of one shared warehouse (rebuild and verify): their union. Default [log]. */
  logs?: string[];
  /** YYYY-MM-DD: batches created on or after it; absent: all. */
  since?: string;
}

export interface SourcesRead {
  computed: ComputedWarehouse;
  rejected: Rejected[];
  /** The offsets reached; `test_runs` is the first log's. */
  offsets: Offsets;
  /** Each log's offset, in the order given. */
  logOffsets: { log: string; offset: Offsets['test_runs'] }[];
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
  const logs = o.logs ?? [o.log];
  for (const log of logs) {
    if (!existsSync(log) && listLog(log).length === 0) {
      throw new SourceError(`log ${log} does not exist, nor any rotated file (${basename(log)}.1, ...) beside it`);
    }
  }
  // The three at once: the log on the scan's threads, the API's pages and the students table here.
  // The scan is handed out first; the HTTP client (got: 50 modules, about 120 ms to load) is loaded
  // only then, while the threads already read.
  const scanned = scanLogs(logs, progress);
  scanned.catch(() => {});
  const { BatchesApi } = await import('../sources/batches/api.ts');
  const api = new BatchesApi({ url: o.api, ...(o.token === undefined ? {} : { token: o.token }), timeoutMs: API_TIMEOUT_MS });
  const pages = step(`batches API ${api.url}`, () => fetchAllBatches(api, o.since === undefined ? {} : { since: o.since }));
  // Neither may be left unobserved should another fail first.
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
  const completions = log.odd.length === 0 ? { keys: log.keys, times: log.times, pack: PACK } : triplesOf(log);
  const computed = computeWarehouse({ batches: fetched.batches, students: students.students, completions, minLessons });
  return {
    computed,
    rejected: [...fetched.rejected, ...students.rejected, ...log.rejected],
    // The batches were read in one scan from the start, during which a late batch may have appeared
    // behind its pages: the first poll after it reads them again from the start (poller.ts).
    offsets: { batches: fetched.cursor === null ? null : { ...fetched.cursor, rescan_from: null }, students: { hwm: students.hwm }, test_runs: log.offsets[0]!.offset },
    logOffsets: log.offsets,
    runs: log.runs,
    bytes: log.bytes,
  };
}

type Scanned = Omit<ScannedLog, 'offset'> & { offsets: SourcesRead['logOffsets'] };

/**
 * The logs one after another (each on all the scan's threads), as one: completions are the union
 * (a completion two pipelines saw counts once), rejected lines and runs are each log's own.
 */
async function scanLogs(logs: string[], progress: ScanOptions['progress'] | undefined): Promise<Scanned> {
  let all: Scanned | undefined;
  let done = { bytes: 0, total: 0, runs: 0 };
  for (const path of logs) {
    const before = done;
    const opts: ScanOptions =
      progress === undefined ? {} : { progress: (p) => progress((done = { bytes: before.bytes + p.bytes, total: before.total + p.total, runs: before.runs + p.runs })) };
    const s = await step(`log ${path}`, () => scanLog(path, opts));
    const one: Scanned = { keys: s.keys, times: s.times, odd: s.odd, runs: s.runs, rejected: s.rejected, bytes: s.bytes, offsets: [{ log: path, offset: s.offset }] };
    all =
      all === undefined
        ? one
        : {
            ...unionSorted(all, one),
            odd: [...all.odd, ...one.odd],
            runs: all.runs + one.runs,
            rejected: [...all.rejected, ...one.rejected],
            bytes: all.bytes + one.bytes,
            offsets: [...all.offsets, ...one.offsets],
          };
  }
  return all!;
}

interface KeyTimes {
  keys: Float64Array;
  times: Float64Array;
}

/** Two ascending key arrays, each key once, as one ascending array of each key once, with the earlier of its times. */
export function unionSorted(a: KeyTimes, b: KeyTimes): KeyTimes {
  const keys = new Float64Array(a.keys.length + b.keys.length);
  const times = new Float64Array(keys.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.keys.length || j < b.keys.length) {
    const fromA = j >= b.keys.length || (i < a.keys.length && a.keys[i]! <= b.keys[j]!);
    const x = fromA ? a.keys[i]! : b.keys[j]!;
    const t = fromA ? a.times[i++]! : b.times[j++]!;
    if (n === 0 || keys[n - 1] !== x) {
      keys[n] = x;
      times[n++] = t;
    } else if (t < times[n - 1]!) times[n - 1] = t;
  }
  return { keys: keys.subarray(0, n), times: times.subarray(0, n) };
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
