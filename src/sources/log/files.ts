// The files of one log: PATH and its rotated files PATH.1 (newest) … PATH.N (oldest) beside it,
// plain or compressed (PATH.N.gz: logrotate's `compress`), each known by its identity (device,
// inode), which a rename keeps and a new file does not. Compressing writes a new file (gzip), so
// a compressed file is also known by its content: its first bytes once decompressed (content.ts).
import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { LogOffset } from '../../domain/offsets.ts';
import type { FileIdentity } from './lines.ts';

/** §3 offsets name a file by its first bytes too (up to this many): a truncated file rewritten shows other ones. */
export const HEAD_BYTES = 64;

export interface LogFile extends FileIdentity {
  path: string;
  /** Bytes on disk; of a compressed file, its compressed size (content.ts gives its content's). */
  size: number;
  /** A compressed rotated file (PATH.N.gz, gzip): read by decompressing it as a stream, from its start. */
  gz: boolean;
}

export const sameFile = (a: FileIdentity, b: FileIdentity): boolean => a.dev === b.dev && a.ino === b.ino;
/** The same files under the same names, in the same order. */
export const sameListing = (a: LogFile[], b: LogFile[]): boolean => a.length === b.length && a.every((f, i) => sameFile(f, b[i]!) && f.path === b[i]!.path);
export const fileKey = (a: FileIdentity): string => `${a.dev}:${a.ino}`;

function statFile(path: string, gz: boolean): LogFile | null {
  try {
    const st = statSync(path);
    return st.isFile() ? { path, dev: st.dev, ino: st.ino, size: st.size, gz } : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** The numbers N of PATH.N and PATH.N.gz beside PATH, highest (oldest) first; a gap in the numbers is skipped. */
function rotatedNumbers(log: string): number[] {
  const name = basename(log);
  let entries: string[];
  try {
    entries = readdirSync(dirname(log));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const numbers = new Set<number>();
  for (const e of entries) {
    if (!e.startsWith(`${name}.`)) continue;
    const m = /^([1-9]\d{0,8})(\.gz)?$/.exec(e.slice(name.length + 1));
    if (m !== null) numbers.add(Number(m[1]));
  }
  return [...numbers].sort((a, b) => b - a);
}

function listOnce(log: string): LogFile[] {
  const out: LogFile[] = [];
  for (const n of rotatedNumbers(log)) {
    // Both PATH.N and PATH.N.gz: the compression is under way (gzip writes the new file, then the
    // plain one is removed), and only the plain one is whole.
    const f = statFile(`${log}.${n}`, false) ?? statFile(`${log}.${n}.gz`, true);
    if (f !== null) out.push(f);
  }
  const live = statFile(log, false);
  if (live !== null) out.push(live);
  return out;
}

/**
 * The log's files, oldest first: PATH.N … PATH.1, PATH (those that exist), each PATH.N plain or,
 * when only PATH.N.gz exists, compressed (`gz`). A rotation while listing renames files under our
 * feet, so the listing is repeated until two agree on identities.
 */
export function listLog(log: string): LogFile[] {
  let prev = listOnce(log);
  for (let tries = 0; tries < 10; tries++) {
    const next = listOnce(log);
    if (sameListing(next, prev)) return next;
    prev = next;
  }
  return prev;
}

/** PATH's identity now, or null while it does not exist (between a rename and the new file). */
export function currentIdentity(log: string): LogFile | null {
  return statFile(log, false);
}

/** The first bytes of an open plain file (up to HEAD_BYTES); content.ts reads a compressed one's. */
export function readHead(fd: number): Buffer {
  const b = Buffer.alloc(HEAD_BYTES);
  const n = readSync(fd, b, 0, HEAD_BYTES, 0);
  return b.subarray(0, n);
}

/** An open file of the log, checked to be the one listed (a rotation can rename between). */
export interface OpenFile extends FileIdentity {
  fd: number;
  path: string;
  /** Compressed (see LogFile.gz). */
  gz: boolean;
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
  return { fd, path: f.path, dev: f.dev, ino: f.ino, gz: f.gz };
}

/** Whether the file still starts with the head stored in an offset (it was not truncated and rewritten). */
export function headMatches(fd: number, head: Buffer): boolean {
  if (head.length === 0) return true;
  const now = readHead(fd);
  return now.length >= head.length && now.subarray(0, head.length).equals(head);
}

/**
 * The offset of a position in `f`; of a compressed file, `pos` and `head` are its decompressed
 * content's (the same position and first bytes it had as a plain file before it was compressed).
 */
export function toOffset(f: FileIdentity, pos: number, head: Buffer): LogOffset {
  return { dev: f.dev, ino: f.ino, pos, head: head.toString('base64') };
}
