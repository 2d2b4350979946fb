// The files of one log: PATH and its rotated files PATH.1 (newest) … PATH.N (oldest) beside it,
// each known by its identity (device, inode), which a rename keeps and a new file does not.
import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { LogOffset } from '../../domain/offsets.ts';
import type { FileIdentity } from './lines.ts';

/** §3 offsets name a file by its first bytes too (up to this many): a truncated file rewritten shows other ones. */
export const HEAD_BYTES = 64;

export interface LogFile extends FileIdentity {
  path: string;
  size: number;
}

export const sameFile = (a: FileIdentity, b: FileIdentity): boolean => a.dev === b.dev && a.ino === b.ino;
export const fileKey = (a: FileIdentity): string => `${a.dev}:${a.ino}`;

function statFile(path: string): LogFile | null {
  try {
    const st = statSync(path);
    return st.isFile() ? { path, dev: st.dev, ino: st.ino, size: st.size } : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** PATH's rotated files that exist, oldest first (PATH.N … PATH.1); a gap in the numbers is skipped. */
function rotatedNames(log: string): string[] {
  const name = basename(log);
  let entries: string[];
  try {
    entries = readdirSync(dirname(log));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const numbered: [number, string][] = [];
  for (const e of entries) {
    if (!e.startsWith(`${name}.`)) continue;
    const suffix = e.slice(name.length + 1);
    if (/^[1-9]\d{0,8}$/.test(suffix)) numbered.push([Number(suffix), join(dirname(log), e)]);
  }
  return numbered.sort((a, b) => b[0] - a[0]).map(([, p]) => p);
}

function listOnce(log: string): LogFile[] {
  const out: LogFile[] = [];
  for (const p of [...rotatedNames(log), log]) {
    const f = statFile(p);
    if (f !== null) out.push(f);
  }
  return out;
}

/**
 * The log's files, oldest first: PATH.N … PATH.1, PATH (those that exist). A rotation while
 * listing renames files under our feet, so the listing is repeated until two agree on identities.
 */
export function listLog(log: string): LogFile[] {
  let prev = listOnce(log);
  for (let tries = 0; tries < 10; tries++) {
    const next = listOnce(log);
    if (next.length === prev.length && next.every((f, i) => sameFile(f, prev[i]!) && f.path === prev[i]!.path)) return next;
    prev = next;
  }
  return prev;
}

/** PATH's identity now, or null while it does not exist (between a rename and the new file). */
export function currentIdentity(log: string): LogFile | null {
  return statFile(log);
}

/** The first bytes of an open file (up to HEAD_BYTES). */
export function readHead(fd: number): Buffer {
  const b = Buffer.alloc(HEAD_BYTES);
  const n = readSync(fd, b, 0, HEAD_BYTES, 0);
  return b.subarray(0, n);
}

/** An open file of the log, checked to be the one listed (a rotation can rename between). */
export interface OpenFile extends FileIdentity {
  fd: number;
  path: string;
}

/** Opens `f` read-only; null when its path now names another file or none. */
export function openLogFile(f: LogFile): OpenFile | null {
  let fd: number;
  try {
    fd = openSync(f.path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const st = fstatSync(fd);
  if (st.dev !== f.dev || st.ino !== f.ino) {
    closeSync(fd);
    return null;
  }
  return { fd, path: f.path, dev: f.dev, ino: f.ino };
}

/** Whether the file still starts with the head stored in an offset (it was not truncated and rewritten). */
export function headMatches(fd: number, head: Buffer): boolean {
  if (head.length === 0) return true;
  const now = readHead(fd);
  return now.length >= head.length && now.subarray(0, head.length).equals(head);
}

export function toOffset(f: FileIdentity, pos: number, head: Buffer): LogOffset {
  return { dev: f.dev, ino: f.ino, pos, head: head.toString('base64') };
}
