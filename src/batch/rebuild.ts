// The batch half: the warehouse computed from scratch over everything the sources hold now
// (CONTRACTS §4), written in one transaction together with the offsets reached, so that a later
// `batchboard start` on the same warehouse continues from there.
//
// On PostgreSQL (§4b) the sources may be several pipelines' logs: the warehouse is computed over
// their union, and each log's offset is stored as its pipeline's (named as `start` names it, by the
// log's file name), so that each machine's `start` continues from there.
import { defaultPipelineName, sourcesId } from '../domain/identity.ts';
import { Warehouse } from '../storage/warehouse.ts';
import type { SnapshotCounts } from '../storage/replace.ts';
import { isPostgresUrl } from '../domain/identity.ts';
import { readAndCompute, type SourcesRead, type SourcesToRead } from './read-sources.ts';
import type { ScanOptions } from './scan/scan.ts';

export interface RebuildResult extends SnapshotCounts {
  runs: number;
  /** Bytes of log read. */
  bytes: number;
  ms: number;
}

export interface RebuildOptions {
  replaceSources?: boolean;
  /** PostgreSQL: the first log's pipeline name (`start --name`); default its file name. */
  pipeline?: string;
}

/** Reads the sources, then (only then: a source that cannot be read leaves the warehouse as it was) replaces the warehouse. */
export async function rebuild(
  o: SourcesToRead & { warehouse: string },
  minLessons: number,
  progress?: ScanOptions['progress'],
  opts: RebuildOptions = {},
): Promise<RebuildResult> {
  const started = performance.now();
  const read = await readAndCompute(o, minLessons, progress);
  const counts = isPostgresUrl(o.warehouse) ? await replacePg(o, read, minLessons, opts) : replaceSqlite(o, read, minLessons, opts);
  return { ...counts, runs: read.runs, bytes: read.bytes, ms: performance.now() - started };
}

function replaceSqlite(o: SourcesToRead & { warehouse: string }, read: SourcesRead, minLessons: number, opts: RebuildOptions): SnapshotCounts {
  const w = Warehouse.open(o.warehouse, { minLessons, sources: sourcesId(o), replaceSources: opts.replaceSources ?? true });
  try {
    return w.replaceAll(read.computed, read.offsets, read.rejected);
  } finally {
    void w.close();
  }
}

async function replacePg(o: SourcesToRead & { warehouse: string }, read: SourcesRead, minLessons: number, opts: RebuildOptions): Promise<SnapshotCounts> {
  const names = pipelineNames(read.logOffsets.map((l) => l.log), opts.pipeline);
  const { PgWarehouse } = await import('../storage/pg/writer.ts');
  const w = await PgWarehouse.open(o.warehouse, {
    pipeline: names[0]!,
    minLessons,
    sources: sourcesId({ ...o, log: read.logOffsets[0]!.log }),
    replaceSources: opts.replaceSources ?? true,
  });
  try {
    const others = read.logOffsets.slice(1).map((l, i) => ({
      pipeline: names[i + 1]!,
      sources: sourcesId({ ...o, log: l.log }),
      offsets: { ...read.offsets, test_runs: l.offset },
    }));
    return await w.replaceAll(read.computed, read.offsets, read.rejected, { others });
  } finally {
    await w.close();
  }
}

/** Each log's pipeline: `first` or its file name; two logs of one file name are told apart by -2, -3 ... */
export function pipelineNames(logs: readonly string[], first?: string): string[] {
  const taken = new Set<string>();
  return logs.map((log, i) => {
    const base = i === 0 && first !== undefined ? first : defaultPipelineName(log);
    let name = base;
    for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
    taken.add(name);
    return name;
  });
}
