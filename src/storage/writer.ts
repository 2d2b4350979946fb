// One interface for the warehouse's writer, whatever holds the warehouse: SQLite (warehouse.ts,
// the default: a file beside the pipeline) or PostgreSQL (pg/: a server several pipelines share).
// The Aggregator fills a transaction with what its messages carry and hands it over at commit; the
// writer applies it, with the offsets it reaches, atomically: a reader never sees part of it, and
// after a crash either all of it is there or none of it. Applying anything twice changes nothing
// (CONTRACTS §4), so the Aggregator never needs to know which backend it has.
import type { Batch, Rejected, SourceName, Student } from '../domain/records.ts';
import type { Offsets } from '../domain/offsets.ts';
import type { LostLog } from './history.ts';

/** What one commit of the Aggregator applies. */
export interface WriteTx {
  /** The time the rows' updated_at and seen_at take (ISO-8601 UTC, ms). */
  now: string;
  /** In arrival order; a batch given twice: the later version wins. */
  batches: Batch[];
  students: Student[];
  /** Completing runs as triples [student, lesson, ms, ...], chunk by chunk as the LogTailer sent them; pairs may repeat. */
  completions: Float64Array[];
  rejected: Rejected[];
  /** Log lines counted that the log no longer holds (history.ts). */
  lost: LostLog[];
  /** The offset each source reaches with these records: this pipeline's own. */
  offsets: Partial<Offsets>;
}

/** What a commit changed: rows new or changed, completions new, rejections new. */
export interface Applied {
  batches: number;
  students: number;
  completions: number;
  rejected: number;
}

export interface WarehouseWriter {
  /** The warehouse as it may be shown: its path, or its URL without the password. */
  readonly shown: string;
  /** The offset of `source` this pipeline has committed (the initial one before any). */
  offset<S extends SourceName>(source: S): Promise<Offsets[S]>;
  /** Every student id the warehouse holds, stored or rejected, ascending: what the StudentWatcher has delivered. */
  knownStudentIds(): Promise<Float64Array>;
  /**
   * Applies `tx` in one transaction, its offsets included. A failure the caller cannot fix by
   * retrying (a full disk, a server gone for good) rejects with a WarehouseError naming the
   * warehouse; nothing of `tx` is then applied.
   */
  write(tx: WriteTx): Promise<Applied>;
  close(): Promise<void>;
}

export function emptyTx(now: string): WriteTx {
  return { now, batches: [], students: [], completions: [], rejected: [], lost: [], offsets: {} };
}
