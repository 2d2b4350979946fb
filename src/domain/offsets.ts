// Source offsets: how far each source has been read. The Aggregator stores each in the same
// transaction as the records that reach it, and every source resumes from the stored one.
// Offsets are plain data (JSON in the warehouse, structured-cloned in messages).

/**
 * §1: the (created_at, id) of the newest valid batch stored; null before the first. `rescan_from`:
 * where the next poll's look-back window is measured from (poller.ts), the created_at of the
 * cursor acked when the scan that reached this one began, null for a scan that began with nothing
 * acked; kept so that a restart looks back as far as the next poll would have. A cursor stored
 * without it (a rebuild's, or before it was kept) is its own.
 */
export type BatchCursor = { created_at: string; id: number; rescan_from?: string | null } | null;

/**
 * §2: the highest source id delivered. Rows below it that appear later (back-fills) are found by
 * comparing the ids the warehouse holds (stored or rejected) with the source's.
 */
export interface StudentOffset {
  hwm: number;
}

/**
 * §3: a position in one file of the log. A file is named by its identity (device and inode), not
 * its path, so that after a rotation the renamed file is still found; `head` (the first bytes of
 * the file, base64, up to 64) tells a file truncated and written again from the one that was read.
 */
export interface LogOffset {
  dev: number;
  ino: number;
  pos: number;
  head: string;
}

export interface Offsets {
  batches: BatchCursor;
  students: StudentOffset;
  test_runs: LogOffset | null;
}

export const INITIAL_OFFSETS: Offsets = { batches: null, students: { hwm: 0 }, test_runs: null };
