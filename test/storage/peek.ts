// A read-only connection to what a warehouse writer has committed, as an outside reader sees it:
// one per file, closed when the test file's tests end.
import test from 'ava';
import Database from 'better-sqlite3';
import type { Warehouse } from '../../src/storage/warehouse.ts';

const peeking = new Map<string, Database.Database>();

export function peek(w: Warehouse): Database.Database {
  let db = peeking.get(w.path);
  if (db === undefined) peeking.set(w.path, (db = new Database(w.path, { readonly: true })));
  return db;
}

test.after.always(() => {
  for (const db of peeking.values()) db.close();
  peeking.clear();
});
