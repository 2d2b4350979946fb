// Errors of the storage layer a user can meet: a warehouse or source file that cannot be used.

/** The warehouse cannot be opened or used as one: named, with what to do. */
export class WarehouseError extends Error {
  override name = 'WarehouseError';
}

/** A source file (students.db) that cannot be opened as the contract says. */
export class SourceError extends Error {
  override name = 'SourceError';
}
