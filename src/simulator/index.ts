// The simulator's public surface, for the demo, the end-to-end tests and the benchmarks.
export { startSimulator, Simulator, type SimulatorStats } from './simulator.ts';
export { DEFAULTS, LIMITS, type SimulatorOptions, type HistoryOptions, type LiveOptions, type Tuning } from './options.ts';
export { FAULTS, FAULT_NAMES, parseFaultFlags, type FaultName, type FaultOptions } from './faults.ts';
export { RESET_KINDS, type ApiFault, type ApiStats, type ResetKind } from './api-server.ts';
export {
  Ledger, runIdOf, BAD_LINE_KINDS, INVALID_BATCH_KINDS, INVALID_STUDENT_KINDS, LINE_VARIANTS,
  type BadLine, type BadLineKind, type InvalidBatchKind, type InvalidStudentKind, type LedgerBatch, type LedgerCounts,
  type LineVariant, type RejectedBatch, type RejectedStudent, type StudentRecord, type TestRun, type Truncation,
} from './ledger.ts';
export { expectedWarehouse, expectedTop, completedByStudent, type ExpectedBatch, type ExpectedStudent, type ExpectedWarehouse, type ExpectOptions } from './expected.ts';
export type { RunFields } from './gen-runs.ts';
export { SimulatorError } from './errors.ts';
export { STUDENTS_SCHEMA } from './students-writer.ts';
export {
  batchProblem, classifyLine, isDate, isTimestamp, studentProblem, DATE_RE, LATE_BATCH_MAX_MS, MAX_LINE_BYTES, TIMESTAMP_RE,
  type LineClass, type ParsedRun,
} from './rules.ts';
