// Before the supervisor starts: every source can be opened and the warehouse can be used, or the
// command stops with one line naming which (exit 2). Actors would otherwise crash-loop on a typo.
import { closeSync, existsSync, openSync, statSync } from 'node:fs';
import { UsageError } from './errors.ts';
import { BatchesApi } from '../sources/batches/api.ts';
import { ApiError } from '../sources/batches/errors.ts';
import { StudentsReader } from '../sources/students/reader.ts';
import { listLog } from '../sources/log/files.ts';
import { Warehouse, type OpenOptions } from '../storage/warehouse.ts';
import { isPostgresUrl } from '../domain/identity.ts';

/** Nothing listens there, or the name does not resolve: the source cannot be opened. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * One request for one batch. Refused: an API that cannot be reached, that refuses the token, or
 * that has no /batches. A reset, a timeout, a 429 or 5xx, a bad body are the API's bad moments,
 * which the BatchFetcher rides out.
 */
export async function checkApi(command: string, url: string, token: string | undefined): Promise<void> {
  const api = new BatchesApi({ url, ...(token === undefined ? {} : { token }), timeoutMs: 5000, retry: { initialMs: 0, maxMs: 0, limit: 0 } });
  const base = api.url.replace(/\/batches$/, '');
  try {
    await api.fetchPage({ limit: 1 });
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    if (err.kind === 'transport' && err.code !== undefined && UNREACHABLE.has(err.code)) {
      throw new UsageError(`${command}: cannot reach the batches API at ${base}: ${err.code}`);
    }
    if (err.kind === 'auth') {
      throw new UsageError(`${command}: the batches API at ${base} refused the request (${err.status}): set --api-token or BATCHBOARD_API_TOKEN to a valid token`);
    }
    if (err.status === 404) throw new UsageError(`${command}: ${base} has no /batches endpoint (404): is --api the API's base URL?`);
  } finally {
    api.close();
  }
}

export function checkStudents(command: string, path: string): void {
  try {
    StudentsReader.open(path).close();
  } catch (err) {
    throw new UsageError(`${command}: --students: ${(err as Error).message}`);
  }
}

export function checkLog(command: string, path: string): void {
  // Between a rotation's rename and the new file's creation (or with logrotate's `nocreate`) only
  // rotated files are there (PATH.1, PATH.1.gz): readable too.
  if (!existsSync(path) && listLog(path).length > 0) return;
  let fd: number;
  try {
    if (!statSync(path).isFile()) throw new Error('not a regular file');
    fd = openSync(path, 'r');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.message;
    throw new UsageError(`${command}: --log ${path}: cannot open the test runs log: ${why}`);
  }
  closeSync(fd);
}

/**
 * The warehouse opens for writing (created when missing: a file, or the tables in an empty
 * PostgreSQL schema) and takes a commit now. For PostgreSQL, also as pipeline `pipeline`: a second
 * writer of it, or a running pipeline on the same sources under another name, is refused here.
 */
export async function checkWarehouse(command: string, target: string, opts: OpenOptions, pipeline: string): Promise<void> {
  try {
    if (isPostgresUrl(target)) {
      const { PgWarehouse } = await import('../storage/pg/writer.ts');
      const w = await PgWarehouse.open(target, { ...opts, pipeline });
      try {
        await w.checkWritable();
      } finally {
        await w.close();
      }
      return;
    }
    const w = Warehouse.open(target, opts);
    try {
      w.checkWritable();
    } finally {
      void w.close();
    }
  } catch (err) {
    throw new UsageError(`${command}: --warehouse: ${(err as Error).message}`);
  }
}
