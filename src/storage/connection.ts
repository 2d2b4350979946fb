// Opening the warehouse file for writing, in the order that leaves a refused file untouched:
// connect (no journal mode, no schema), inspect by reading alone, and only then switch to WAL and
// create the schema of a new warehouse.
import { mkdirSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { SCHEMA, SCHEMA_VERSION } from './schema.ts';
import { WarehouseError } from './errors.ts';

type Db = Database.Database;

/** Less free space than this on the warehouse's disk is a full disk for `start`'s pre-flight. */
const MIN_FREE_BYTES = 1 << 20;

/** A connection that has changed nothing yet: no journal mode, no schema. */
export function connect(path: string): Db {
  try {
    mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.pragma('busy_timeout = 5000');
    return db;
  } catch (err) {
    throw new WarehouseError(`cannot open warehouse ${path}: ${(err as Error).message}`);
  }
}

/** A warehouse keeps the offsets of its sources: opened on other sources, it would resume at offsets that mean nothing there. */
export function checkSources(db: Db, path: string, sources: string, replace: boolean): void {
  const stored = db.prepare("SELECT value FROM meta WHERE key = 'sources'").pluck().get() as string | undefined;
  if (stored === undefined || replace || stored === sources) return;
  throw new WarehouseError(
    `warehouse ${path} was built from other sources (${stored}); its offsets mean nothing for ${sources}: ` +
      'name another --warehouse, or run batchboard rebuild on this one',
  );
}

export function useWal(db: Db, path: string): void {
  try {
    db.pragma('journal_mode = WAL');
    // WAL with synchronous=NORMAL: a commit is durable against a killed process (the WAL is in the
    // OS's cache) and costs no fsync; only a power loss can take the last commits.
    db.pragma('synchronous = NORMAL');
  } catch (err) {
    throw new WarehouseError(`cannot open warehouse ${path}: ${(err as Error).message}`);
  }
}

export function createSchema(db: Db): void {
  db.transaction(() => {
    db.exec(SCHEMA);
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('schema_version', String(SCHEMA_VERSION));
  })();
}

/** Throws a WarehouseError when the disk holding `path` has less than MIN_FREE_BYTES free (where statfs can tell). */
export function checkFreeSpace(path: string): void {
  let free: number;
  try {
    const s = statfsSync(dirname(path));
    free = s.bavail * s.bsize;
  } catch {
    return; // no statfs here: the write that follows still tells
  }
  if (free < MIN_FREE_BYTES) {
    throw new WarehouseError(`the disk holding ${path} is full (${free} bytes free): free some space there, then start again`, 'SQLITE_FULL');
  }
}
