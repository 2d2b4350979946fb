// The SQLite writer's completions: the set of those stored, loaded into memory once (whether a
// completion is new is asked there, completion-index.ts), and each transaction's new ones, gathered
// per student and written when it commits, or before students or batches are applied in it. A
// student's new lessons (and lessons it completed earlier than known) become one row of
// completion_lists and its row is raised by all of them at once: per-statement cost was most of
// the writer's time, and a commit under load holds many completions of few students.
import { CompletionIndex, MAYBE } from './completion-index.ts';
import { floats } from './student-lessons.ts';
import { NONE, NEW } from '../domain/pair-times.ts';
import { isoOf } from '../domain/event-time.ts';
import { ListWriter } from './row-writer.ts';
import type { Statements } from './statements.ts';

/** The stored completions, and each stored student's batch. */
export interface StoredCompletions {
  index: CompletionIndex;
  /**
   * With it a completion raises `completed` with a plain UPDATE (UPDATE ... RETURNING cost 3.4 µs
   * a row against 1.3 µs) and students not stored yet cost nothing. `completed` itself is the
   * index's count.
   */
  batchOf: Map<number, number>;
}

export function loadCompletions(st: Statements, min: number): StoredCompletions {
  const n = st.countCompletions.pluck().get() as number;
  const index = new CompletionIndex(n, min);
  // Pairs stored before event times were kept (schema versions 1 and 2) have no time: Infinity.
  for (const [student, lesson] of st.allPairs.raw().iterate() as IterableIterator<[number, number]>) index.add(student, lesson, Infinity);
  for (const [student, blob, timeBlob] of st.allLists.raw().iterate() as IterableIterator<[number, Buffer, Buffer | null]>) {
    index.addList(student, floats(blob), timeBlob === null ? null : floats(timeBlob));
  }
  const batchOf = new Map<number, number>();
  for (const [id, batch] of st.studentBatches.raw().iterate() as IterableIterator<[number, number]>) batchOf.set(id, batch);
  return { index, batchOf };
}

/**
 * Each student's completions of this transaction, not yet written: lessons new, earlier than
 * known, or maybe earlier (completion-index.ts), as [lesson, ms, ...]; how many of them are new;
 * whether its row changes.
 */
export class CompletionDeltas {
  private readonly deltas = new Map<number, { pairs: number[]; gained: number; changed: boolean }>();
  /** The transaction time of the last completion that counted: the batches' updated_at. */
  private now = '';

  get size(): number {
    return this.deltas.size;
  }

  /** Adds completions given as [student, lesson, ms, ...] to the set; returns how many pairs were new. */
  add(index: CompletionIndex, pairs: ArrayLike<number>, now: string): number {
    let added = 0;
    let touched = false;
    for (let i = 0; i + 2 < pairs.length; i += 3) {
      const student = pairs[i]!;
      const lesson = pairs[i + 1]!;
      const ms = pairs[i + 2]!;
      const got = index.add(student, lesson, ms);
      if (got === NONE) continue;
      touched = true;
      if (got === NEW) added++;
      let d = this.deltas.get(student);
      if (d === undefined) this.deltas.set(student, (d = { pairs: [], gained: 0, changed: false }));
      d.pairs.push(lesson, ms);
      if (got === NEW) d.gained++;
      if (got !== MAYBE) d.changed = true;
    }
    if (touched) this.now = now;
    return added;
  }

  /** Writes what was added since the last flush: list rows, students' rows, batches that gained a qualified student. */
  flush(st: Statements, { index, batchOf }: StoredCompletions): void {
    if (this.deltas.size === 0) return;
    const min = index.min;
    const lists = new ListWriter(st);
    for (const [student, d] of this.deltas) {
      const n = d.pairs.length / 2;
      const lessons = new Float64Array(n);
      const times = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        lessons[i] = d.pairs[2 * i]!;
        times[i] = d.pairs[2 * i + 1]!;
      }
      lists.add(student, lessons, times);
      const batch = batchOf.get(student);
      // Not stored yet (its row starts with all its lessons), or only runs that change nothing now.
      if (batch === undefined || !d.changed) continue;
      const completed = index.completedBy(student);
      st.setCompleted.run(completed, isoOrNull(index.qualifiedAt(student)), student);
      // Crossed the minimum with these lessons: one more qualified student in its batch.
      if (completed >= min && completed - d.gained < min) st.bumpQualified.run(this.now, batch);
    }
    lists.end();
    this.deltas.clear();
  }

  /** Forgets what was added (a rollback). */
  clear(): void {
    this.deltas.clear();
  }
}

/** A qualified_at in ms as stored: text, or NULL (also where it would need a time not kept, Infinity). */
export const isoOrNull = (ms: number | null): string | null => (ms === null || ms === Infinity ? null : isoOf(ms));
