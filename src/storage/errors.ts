// Errors of the storage layer a user can meet: a warehouse that cannot be used.

/** The warehouse cannot be opened or used as one: named, with what to do. */
export class WarehouseError extends Error {
  override name = 'WarehouseError';
  constructor(
    message: string,
    /** SQLite's code when SQLite refused (SQLITE_FULL, ...). */
    readonly code?: string,
  ) {
    super(message);
  }
}

/**
 * What SQLite's refusal to write the warehouse means for the person running batchboard, naming the
 * file; other errors are returned as they are. What was committed before stays committed.
 */
export function warehouseFault(path: string, err: unknown): unknown {
  if (err instanceof WarehouseError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return err;
  const message = (err as Error).message;
  if (code === 'SQLITE_FULL') {
    return new WarehouseError(`the disk holding ${path} is full (${code}): free some space there, then start again; what was committed is kept`, code);
  }
  if (code.startsWith('SQLITE_IOERR')) return new WarehouseError(`cannot write warehouse ${path}: I/O error (${code}: ${message})`, code);
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_PERM')) {
    return new WarehouseError(`cannot write warehouse ${path} (${code}: ${message}): check the file's and its directory's permissions`, code);
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return new WarehouseError(`warehouse ${path} is damaged (${code}: ${message})`, code);
  return err;
}
