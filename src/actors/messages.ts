// The typed messages the four actors exchange, declared once. Sources send records together with
// the offset they reach; the Aggregator applies both in one transaction and answers with acks.
//
// Sessions: every source incarnation starts by sending `hello` with a fresh session id and waits
// for `resume` (the offset stored in the warehouse). The Aggregator drops record messages from any
// other session: a message still queued from a previous incarnation would otherwise be applied
// after the new one was told where to resume, and move the stored offset back.
import type { Batch, Rejected, SourceName, Student } from '../domain/records.ts';
import type { BatchCursor, LogOffset, StudentOffset } from '../domain/offsets.ts';
import type { LostLog } from '../storage/history.ts';

export const ACTORS = { aggregator: 'Aggregator', batches: 'BatchFetcher', students: 'StudentWatcher', test_runs: 'LogTailer' } as const;
export type ActorName = (typeof ACTORS)[keyof typeof ACTORS];

export interface Hello {
  type: 'hello';
  source: SourceName;
  session: string;
}

export interface BatchesMsg {
  type: 'batches';
  session: string;
  batches: Batch[];
  rejected: Rejected[];
  /** The cursor reached once these are stored. */
  cursor: BatchCursor;
}

export interface StudentsMsg {
  type: 'students';
  session: string;
  students: Student[];
  rejected: Rejected[];
  offset: StudentOffset;
}

export interface RunsMsg {
  type: 'runs';
  session: string;
  /**
   * Completing runs only (§3), as triples [student_id, lesson_id, ms, ...] (ms: the earliest
   * created_at of the pair's completing runs in this read, the event time of CONTRACTS §4).
   * Runs that complete nothing change nothing in the warehouse, so they are counted, not sent.
   * A transferred buffer: no copy between threads.
   */
  completions: Float64Array;
  /** Test runs read, valid ones, completing or not. */
  runs: number;
  rejected: Rejected[];
  offset: LogOffset;
  /** Date.now() when the newest of these lines was read: for the freshness counters. */
  readAt: number;
  /**
   * Lines read before they were gone from the log (a truncation after them, a rotated file deleted
   * before it was read whole), stored with this message's records and offset (storage/history.ts);
   * a message can carry these alone, with no runs and the offset already sent.
   */
  lost?: LostLog[];
}

export type ToAggregator = Hello | BatchesMsg | StudentsMsg | RunsMsg;

/** Aggregator → source: where to resume, from the warehouse. */
export type Resume =
  | { type: 'resume'; source: 'batches'; session: string; offset: BatchCursor }
  | { type: 'resume'; source: 'students'; session: string; offset: StudentOffset; known: Float64Array }
  | { type: 'resume'; source: 'test_runs'; session: string; offset: LogOffset | null };

/** Aggregator → source: everything up to this offset is committed. */
export type Committed =
  | { type: 'committed'; source: 'batches'; session: string; offset: BatchCursor }
  | { type: 'committed'; source: 'students'; session: string; offset: StudentOffset }
  | { type: 'committed'; source: 'test_runs'; session: string; offset: LogOffset };

export type ToSource = Resume | Committed;

export function newSession(): string {
  return `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}
