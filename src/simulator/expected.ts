// The warehouse batchboard should reach over what the simulator produced, computed straight from
// the definitions of CONTRACTS §3-§4 and from the ledger alone, never from the pipeline's code.
import type { Ledger, LedgerBatch, StudentRecord } from './ledger.ts';

export interface ExpectedBatch extends LedgerBatch {
  student_count: number;
  qualified_students: number;
}

export interface ExpectedStudent extends StudentRecord {
  completed: number;
}

export interface ExpectedWarehouse {
  /** Every valid batch served, latest version, by id. */
  batches: ExpectedBatch[];
  /** Every valid student row, by id, also those whose batch has not been served. */
  students: ExpectedStudent[];
  /**
   * Rows `rejected_records` should hold per source, each bad record once: an invalid batch is
   * served again on every re-read of its window, and counts once (rules.ts).
   */
  rejected: { batches: number; students: number; test_runs: number };
}

export interface ExpectOptions {
  /** `qualified_students` counts students with `completed >= minLessons` (default 3). */
  minLessons?: number;
  /**
   * Lines that were in the log when it was truncated: 'read' (default) assumes the reader had read
   * them before the truncation (drive tests so: pause, wait until the pipeline caught up, truncate);
   * 'lost' assumes it never did, so a run whose every line was truncated does not count.
   */
  truncatedLines?: 'read' | 'lost';
}

/** Runs none of whose lines survived a truncation: only with `truncatedLines: 'lost'`. */
function lostRuns(ledger: Ledger): { runs: Uint8Array; isLostLine: (line: number) => boolean } | null {
  if (ledger.truncations.length === 0) return null;
  const isLostLine = (line: number) => ledger.truncations.some((t) => line >= t.fromLine && line < t.toLine);
  const runs = new Uint8Array(ledger.runs.length);
  for (const t of ledger.truncations) runs.fill(1, t.firstRun, t.endRun);
  for (const d of ledger.duplicates) if (!isLostLine(d.line)) runs[d.run] = 0;
  return { runs, isLostLine };
}

/**
 * completed = number of distinct lessons with a run where failure_count = 0 and passing_count > 0.
 * Sorting keys rather than a Set of pairs: a Set tops out near 16.7M entries, and 20M runs can
 * hold that many passes.
 */
export function completedByStudent(ledger: Ledger, lost: Uint8Array | null = null): Map<number, number> {
  let passes = 0;
  for (const c of ledger.runs.chunks()) {
    for (let i = 0; i < c.failure.length; i++) if (c.failure[i] === 0 && c.passing[i]! > 0) passes++;
  }
  const keys = new Float64Array(passes);
  let k = 0;
  for (const c of ledger.runs.chunks()) {
    for (let i = 0; i < c.failure.length; i++) {
      if (c.failure[i] !== 0 || c.passing[i] === 0) continue;
      if (lost !== null && lost[c.base + i] === 1) continue;
      keys[k++] = c.studentId[i]! * 65_536 + c.lessonId[i]!;
    }
  }
  const sorted = keys.subarray(0, k).sort();
  const completed = new Map<number, number>();
  for (let i = 0; i < sorted.length; i++) {
    if (i > 0 && sorted[i] === sorted[i - 1]) continue;
    const student = Math.floor(sorted[i]! / 65_536);
    completed.set(student, (completed.get(student) ?? 0) + 1);
  }
  return completed;
}

export function expectedWarehouse(ledger: Ledger, opts: ExpectOptions = {}): ExpectedWarehouse {
  const minLessons = opts.minLessons ?? 3;
  const lost = opts.truncatedLines === 'lost' ? lostRuns(ledger) : null;
  const completed = completedByStudent(ledger, lost?.runs ?? null);

  const students: ExpectedStudent[] = [];
  const perBatch = new Map<number, { count: number; qualified: number }>();
  for (const s of ledger.studentRecords()) {
    const c = completed.get(s.id) ?? 0;
    students.push({ id: s.id, name: s.name, email: s.email, batch_id: s.batch_id, created_at: s.created_at, completed: c });
    const b = perBatch.get(s.batch_id) ?? { count: 0, qualified: 0 };
    b.count++;
    if (c >= minLessons) b.qualified++;
    perBatch.set(s.batch_id, b);
  }
  students.sort((a, b) => a.id - b.id);

  const batches: ExpectedBatch[] = [...ledger.batches.values()]
    .sort((a, b) => a.id - b.id)
    .map((b) => ({ ...b, student_count: perBatch.get(b.id)?.count ?? 0, qualified_students: perBatch.get(b.id)?.qualified ?? 0 }));

  const badLines = lost === null ? ledger.badLines.length : ledger.badLines.filter((b) => !lost.isLostLine(b.line)).length;
  return {
    batches,
    students,
    rejected: { batches: ledger.rejectedBatches.length, students: ledger.rejectedStudents.length, test_runs: badLines },
  };
}

/** The leaderboard of CONTRACTS §4 over an expectation: qualified_students desc, then id. */
export function expectedTop(w: ExpectedWarehouse, limit = 10): { id: number; name: string; qualified_students: number }[] {
  return [...w.batches]
    .sort((a, b) => b.qualified_students - a.qualified_students || a.id - b.id)
    .slice(0, limit)
    .map((b) => ({ id: b.id, name: b.name, qualified_students: b.qualified_students }));
}
