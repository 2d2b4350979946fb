// Errors of the source clients a user can meet.

/** A source (the students database, the log) that cannot be opened as the contract says: named, with why. */
export class SourceError extends Error {
  override name = 'SourceError';
}
