// The records batchboard reads from its three sources (CONTRACTS §1-§3), once validated, and the
// rejected ones. Declared once; every other module uses these.

export type SourceName = 'batches' | 'students' | 'test_runs';

export interface Batch {
  id: number;
  name: string;
  start_date: string | null;
  created_at: string;
}

export interface Student {
  id: number;
  name: string;
  email: string | null;
  batch_id: number;
  created_at: string;
}

/** What a test run line carries once valid (§3). */
export interface TestRun {
  id: string;
  student_id: number;
  lesson_id: number;
  passing_count: number;
  failure_count: number;
  created_at: string;
}

/** A record a source gave that breaks its contract: it goes to `rejected_records`. */
export interface Rejected {
  source: SourceName;
  reason: string;
  /** The record as the source gave it, as text (cut at MAX_RAW_CHARS). */
  raw: string;
  /**
   * What makes this rejection the same one when it is seen again (a batch re-served in the
   * look-back window, a line read again after a crash): the warehouse stores each key once.
   */
  key: string;
}

/** `raw` is cut here, so a 1 MB bad line does not become a 1 MB row. */
export const MAX_RAW_CHARS = 4096;

export function cutRaw(raw: string): string {
  return raw.length <= MAX_RAW_CHARS ? raw : raw.slice(0, MAX_RAW_CHARS) + `…(${raw.length} chars)`;
}

/** CONTRACTS §3: a run completes its lesson when it has no failure and at least one pass. */
export function completes(passing: number, failure: number): boolean {
  return failure === 0 && passing > 0;
}

/** CONTRACTS §4: the default minimum of completed lessons for a qualified student. */
export const DEFAULT_MIN_LESSONS = 3;
