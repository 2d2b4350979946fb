// Before the supervisor starts: every source can be opened and the warehouse can be used, or the
// command stops with one line naming which (exit 2). Actors would otherwise crash-loop on a typo.
import { closeSync, existsSync, openSync, statSync } from 'node:fs';
import got from 'got';
import { UsageError } from './errors.ts';
import { withoutCredentials } from './flags.ts';
import { StudentsReader } from '../sources/students/reader.ts';
import { Warehouse, type OpenOptions } from '../storage/warehouse.ts';

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_INVALID_URL']);

export async function checkApi(command: string, url: string, token: string | undefined): Promise<void> {
  const shown = withoutCredentials(url);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`${command}: --api '${url}' is not a URL (e.g. http://127.0.0.1:4010)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`${command}: --api '${shown}' must be an http or https URL`);
  let status: number;
  try {
    const res = await got(`${url.replace(/\/+$/, '')}/batches`, {
      searchParams: { limit: 1 },
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      timeout: { request: 5000 },
      retry: { limit: 0 },
      throwHttpErrors: false,
    });
    status = res.statusCode;
  } catch (err) {
    const e = err as { code?: string; message: string };
    // Nothing listens there, or the name does not resolve: the source cannot be opened. A reset
    // or a timeout is one of the API's bad moments, which the BatchFetcher rides out.
    if (e.code !== undefined && UNREACHABLE.has(e.code)) throw new UsageError(`${command}: cannot reach the batches API at ${shown}: ${e.code}`);
    return;
  }
  if (status === 401 || status === 403) {
    throw new UsageError(
      `${command}: the batches API at ${shown} refused the request (${status}): set --api-token or BATCHBOARD_API_TOKEN to a valid token`,
    );
  }
  if (status === 404) throw new UsageError(`${command}: ${shown} has no /batches endpoint (404): is --api the API's base URL?`);
  // 429 and 5xx are the API's bad moments, which the BatchFetcher rides out.
}

export function checkStudents(command: string, path: string): void {
  try {
    StudentsReader.open(path).close();
  } catch (err) {
    throw new UsageError(`${command}: --students: ${(err as Error).message}`);
  }
}

export function checkLog(command: string, path: string): void {
  // Between a rotation's rename and the new file's creation only PATH.1 is there: readable too.
  if (!existsSync(path) && existsSync(`${path}.1`)) return;
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

export function checkWarehouse(command: string, path: string, opts: OpenOptions): void {
  try {
    const w = Warehouse.open(path, opts);
    try {
      w.checkWritable();
    } finally {
      void w.close();
    }
  } catch (err) {
    throw new UsageError(`${command}: --warehouse: ${(err as Error).message}`);
  }
}
