// The writer for a warehouse named by a path (SQLite) or a postgres:// URL (PostgreSQL).
import { SqliteWriter } from './sqlite-writer.ts';
import type { WarehouseWriter } from './writer.ts';
import { isPostgresUrl } from '../domain/identity.ts';

export interface WriterOptions {
  minLessons: number;
  /** What the warehouse is built from (a SQLite warehouse keeps one pipeline's sources). */
  sources: string;
  /** This pipeline's name: in a shared warehouse its offsets are its own. */
  pipeline: string;
}

export async function openWriter(target: string, o: WriterOptions, onEvent: (event: string, fields: Record<string, unknown>) => void): Promise<WarehouseWriter> {
  if (!isPostgresUrl(target)) return SqliteWriter.open(target, { minLessons: o.minLessons, sources: o.sources }, onEvent);
  // Loaded only for a URL: a SQLite pipeline never loads the PostgreSQL driver.
  const { PgWarehouse } = await import('./pg/writer.ts');
  return PgWarehouse.open(target, { pipeline: o.pipeline, minLessons: o.minLessons, sources: o.sources, onEvent });
}
