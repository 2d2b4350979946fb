// The PostgreSQL warehouse (CONTRACTS §4b): what the rest of batchboard uses of it.
export { parsePgUrl, redact, type PgTarget } from './url.ts';
export { PgWarehouse, openPgWarehouse, type PgOpenOptions } from './writer.ts';
export type { PgSnapshotCounts, PipelineOffsets } from './replace.ts';
export { PgWarehouseReader, openPgReader, readPgWarehouse } from './reader.ts';
