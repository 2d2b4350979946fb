// The batch half: the warehouse computed from scratch over everything the sources hold now
// (CONTRACTS §4), written in one transaction together with the offsets reached, so that a later
// `batchboard start` on the same warehouse continues from there.
import { sourcesId } from '../domain/identity.ts';
import { Warehouse, type SnapshotCounts } from '../storage/warehouse.ts';
import { readAndCompute, type SourcesToRead } from './read-sources.ts';
import type { ScanOptions } from './scan/scan.ts';

export interface RebuildResult extends SnapshotCounts {
  runs: number;
  /** Bytes of log read. */
  bytes: number;
  ms: number;
}

/** Reads the sources, then (only then: a source that cannot be read leaves the warehouse as it was) replaces the warehouse. */
export async function rebuild(
  o: SourcesToRead & { warehouse: string },
  minLessons: number,
  progress?: ScanOptions['progress'],
  opts: { replaceSources?: boolean } = {},
): Promise<RebuildResult> {
  const started = performance.now();
  const read = await readAndCompute(o, minLessons, progress);
  const w = Warehouse.open(o.warehouse, { minLessons, sources: sourcesId(o), replaceSources: opts.replaceSources ?? true });
  try {
    const counts = w.replaceAll(read.computed, read.offsets, read.rejected);
    return { ...counts, runs: read.runs, bytes: read.bytes, ms: performance.now() - started };
  } finally {
    await w.close();
  }
}
