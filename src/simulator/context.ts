// What the record generators share: where records go (the sinks), what they are recorded in (the
// ledger), the options that shape them, and the logical clock.
import type { StoredBatch } from './batch-store.ts';
import type { FaultRates } from './faults.ts';
import type { Ledger } from './ledger.ts';
import type { Resolved } from './options.ts';
import type { StudentRow } from './students-writer.ts';

/** Where generated records go: the API's store, the students table, the log. */
export interface Sinks {
  batch(b: StoredBatch): void;
  student(row: StudentRow): void;
  line(text: string): void;
  splitLine(first: string, second: string, pauseMs: number): void;
  rotate(): void;
  truncate(): void;
}

export interface GenContext {
  readonly seed: number;
  readonly lessons: number;
  readonly faults: FaultRates;
  readonly tuning: Resolved['tuning'];
  readonly ledger: Ledger;
  readonly sinks: Sinks;
  /** The logical time of the event being generated, ms since 1970: history, then epoch + live time. */
  now: number;
}
