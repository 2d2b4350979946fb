// A cold start on the rebuild's path: when `start` finds the log far ahead of the warehouse, the
// backlog is read on the parallel path before the pipeline streams from there. Streaming it goes
// at the LogTailer's pace (one thread, commits as it goes: about 315,000 runs/s), where the scan
// reads millions.
// - An empty warehouse (nothing but what the pre-flight made) is rebuilt: all three sources, as
//   `rebuild` reads them, written with their offsets in one transaction.
// - A warehouse stopped for long gets the unread part of the log only (what it holds may include
//   history the sources no longer have, which a rebuild would drop), applied in ONE transaction
//   with the offset reached; the BatchFetcher and the StudentWatcher catch up as they do.
// Exactly once as streaming is: records and offsets commit together, so a kill at any moment
// leaves either nothing of it or all of it, and the sources resume from the offsets.
import type { LogOffset } from '../domain/offsets.ts';
import { listLog, sameFile } from '../sources/log/files.ts';
import { Warehouse, type OpenOptions } from '../storage/warehouse.ts';
import { isPostgresUrl } from '../domain/identity.ts';
import { OffsetNotFound, scanLog, type ScanOptions } from './scan/scan.ts';
import { triplesOf } from '../domain/pair-times.ts';
import { rebuild } from './rebuild.ts';
import type { SourcesToRead } from './read-sources.ts';

/** Below this much unread log the LogTailer takes it: the scan's set-up would not pay. */
export const DEFAULT_BACKLOG_BYTES = 64 << 20;

export interface CaughtUp {
  /** Bytes of log read on this path (0: left to streaming). */
  bytes: number;
  runs: number;
  completions: number;
  ms: number;
}

/**
 * Reads the log's backlog into the warehouse when it is larger than `minBytes`; else nothing.
 * The writer is this call's alone: run it before the supervisor starts.
 */
export async function catchUp(
  o: SourcesToRead & { warehouse: string; open: OpenOptions; minBytes?: number; pipeline: string },
  progress?: ScanOptions['progress'],
): Promise<CaughtUp & { rebuilt: boolean }> {
  if (isPostgresUrl(o.warehouse)) return catchUpPg(o, progress);
  const started = performance.now();
  const none = { bytes: 0, runs: 0, completions: 0, ms: 0, rebuilt: false };
  const w = Warehouse.open(o.warehouse, o.open);
  let empty;
  try {
    const from = w.offset('test_runs');
    if (unread(o.log, from) < (o.minBytes ?? DEFAULT_BACKLOG_BYTES)) return none;
    empty = w.isEmpty();
    if (!empty) return { ...(await catchUpLog(w, o.log, from, progress)), ms: performance.now() - started, rebuilt: false };
  } finally {
    await w.close();
  }
  const r = await rebuild(o, o.open.minLessons, progress, { replaceSources: false });
  return { bytes: r.bytes, runs: r.runs, completions: r.completions, ms: performance.now() - started, rebuilt: true };
}

/**
 * The same on PostgreSQL, as pipeline `o.pipeline`: its unread log in one transaction of the writer
 * (completions de-duplicated by the database, counted once whichever pipeline saw them first), or
 * a rebuild of a warehouse that holds nothing yet, of any pipeline.
 */
async function catchUpPg(
  o: SourcesToRead & { warehouse: string; open: OpenOptions; minBytes?: number; pipeline: string },
  progress: ScanOptions['progress'] | undefined,
): Promise<CaughtUp & { rebuilt: boolean }> {
  const started = performance.now();
  const none = { bytes: 0, runs: 0, completions: 0, ms: 0, rebuilt: false };
  const { PgWarehouse } = await import('../storage/pg/writer.ts');
  const w = await PgWarehouse.open(o.warehouse, { ...o.open, pipeline: o.pipeline });
  try {
    const from = await w.offset('test_runs');
    if (unread(o.log, from) < (o.minBytes ?? DEFAULT_BACKLOG_BYTES)) return none;
    if (!(await w.isEmpty())) {
      let scanned;
      try {
        scanned = await scanLog(o.log, { ...(from === null ? {} : { from }), ...(progress === undefined ? {} : { progress }) });
      } catch (err) {
        if (err instanceof OffsetNotFound) return none;
        throw err;
      }
      const applied = await w.write({
        now: new Date().toISOString(),
        batches: [],
        students: [],
        completions: [triplesOf(scanned)],
        rejected: scanned.rejected,
        lost: [],
        offsets: scanned.offset === null ? {} : { test_runs: scanned.offset },
      });
      return { bytes: scanned.bytes, runs: scanned.runs, completions: applied.completions, ms: performance.now() - started, rebuilt: false };
    }
  } finally {
    await w.close();
  }
  const r = await rebuild(o, o.open.minLessons, progress, { replaceSources: false, pipeline: o.pipeline });
  return { bytes: r.bytes, runs: r.runs, completions: r.completions, ms: performance.now() - started, rebuilt: true };
}

async function catchUpLog(w: Warehouse, log: string, from: LogOffset | null, progress: ScanOptions['progress'] | undefined): Promise<Omit<CaughtUp, 'ms'>> {
  {
    let scanned;
    try {
      scanned = await scanLog(log, { ...(from === null ? {} : { from }), ...(progress === undefined ? {} : { progress }) });
    } catch (err) {
      // Its file rotated away and compressed, say: the LogTailer knows how to go on from there.
      if (err instanceof OffsetNotFound) return { bytes: 0, runs: 0, completions: 0 };
      throw err;
    }
    const now = new Date().toISOString();
    w.begin();
    try {
      const completions = w.applyCompletions(triplesOf(scanned), now);
      w.reject(scanned.rejected, now);
      if (scanned.offset !== null) w.setOffset('test_runs', scanned.offset, now);
      w.commit();
      return { bytes: scanned.bytes, runs: scanned.runs, completions };
    } catch (err) {
      w.rollback();
      throw err;
    }
  }
}

/** Bytes of the log after `from` (all of it when null); 0 when `from`'s file is not a plain file of it (streaming handles that). */
function unread(log: string, from: LogOffset | null): number {
  const files = listLog(log);
  const at = from === null ? 0 : files.findIndex((f) => !f.gz && sameFile(f, from));
  if (at < 0) return 0;
  let bytes = 0;
  for (const [i, f] of files.entries()) if (i >= at) bytes += i === at && from !== null ? Math.max(0, f.size - from.pos) : f.size;
  return bytes;
}

