// Where a follower started with a stored offset begins (CONTRACTS §3), after whatever happened to
// the log while batchboard was stopped: the stored file found by its identity (renamed or not),
// or by its content once copied (copytruncate) or compressed (gzip writes a new file, maybe on a
// freed inode), or nowhere (deleted). Each case is said as what it is.
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import type { LogOffset } from '../../domain/offsets.ts';
import { listLog, sameFile, type LogFile } from './files.ts';
import { KnownFiles } from './known.ts';

/** The hooks this needs (FollowerHooks' own). */
export interface Say {
  log(event: string, fields: Record<string, unknown>): void;
  lost?(l: { file: string; pos: number; reason: 'truncated' | 'deleted' }): void;
}

/** Read on in files[at] from pos (the files before it were read); null: read every file present; 'retry': renamed meanwhile. */
export type ResumePoint = { files: LogFile[]; at: number; pos: number } | null | 'retry';

export function fileLost(say: Say, file: string, pos: number, during: 'running' | 'stopped', head: Buffer): void {
  say.log('log.file_lost', {
    level: 'warn', file, pos, while: during, first_bytes: head.toString('utf8'),
    reason:
      during === 'running'
        ? 'a rotated file was deleted before it was opened: its lines are lost'
        : `the file read last was deleted while batchboard was stopped: lines written to it after byte ${pos}, if any, are lost`,
  });
  say.lost?.({ file, pos, reason: 'deleted' });
}

export function inodeReused(say: Say, f: LogFile, during: 'running' | 'stopped', why: string): void {
  say.log('log.inode_reused', {
    file: basename(f.path), dev: f.dev, ino: f.ino, while: during,
    reason: `a new file has the identity (device, inode) of a file read before: ${why}`,
  });
}

export function locateOffset(log: string, s: LogOffset, known: KnownFiles, say: Say): ResumePoint {
  const files = listLog(log);
  const stored = Buffer.from(s.head, 'base64');
  const at = files.findIndex((f) => sameFile(f, s));
  const same = at < 0 ? null : files[at]!;
  const sameContent = same === null ? null : known.content(same);
  if (same !== null && sameContent === null) return 'retry';
  if (same !== null && KnownFiles.holds(sameContent!, same.gz, stored, s.pos)) return { files, at, pos: s.pos };

  // Its lines elsewhere: copied (copytruncate) or compressed (gzip writes a new file): found by
  // their first bytes, and read on from the same position of that content.
  const moved = known.findContent(files, stored, s.pos, same);
  if (moved >= 0) {
    const m = files[moved]!;
    if (same !== null) {
      const mBorn = known.content(m)?.born ?? 0;
      // The file still under the stored identity is the same one, cut short after it was copied,
      // when it is older than the copy; a new file given the freed inode is younger.
      const copied = !m.gz || (sameContent!.born > 0 && mBorn > 0 && sameContent!.born < mBorn);
      if (copied) {
        say.log('log.truncated', {
          file: basename(same.path), pos: s.pos, size: sameContent!.size, while: 'stopped', copy: basename(m.path),
          reason: `it was copied to ${basename(m.path)} before (copytruncate): its lines are read on from there`,
        });
      } else {
        inodeReused(say, same, 'stopped', `the file read last is ${basename(m.path)} now`);
      }
    }
    if (m.gz) {
      say.log('log.compressed', {
        file: basename(m.path), pos: s.pos, while: 'stopped',
        reason: 'the file read last was rotated and compressed: read on from the same position of its content',
      });
    }
    return { files, at: moved, pos: s.pos };
  }

  // Its lines are nowhere: every file present is read (again: harmless, runs are stored once).
  const lostName = `${basename(log)} (rotated; inode ${s.ino})`;
  if (same === null) {
    say.log('log.offset_lost', {
      level: 'warn', log, dev: s.dev, ino: s.ino, pos: s.pos,
      reason: `the stored offset names file ${s.dev}:${s.ino}, which is neither the log nor a rotated file beside it; reading every file present again`,
    });
    fileLost(say, lostName, s.pos, 'stopped', stored);
  } else if (reusedWhileStopped(log, same, files, sameContent!.born)) {
    inodeReused(say, same, 'stopped', 'the file read last was deleted');
    fileLost(say, lostName, s.pos, 'stopped', stored);
  } else {
    say.log('log.truncated', {
      file: basename(same.path), pos: s.pos, size: sameContent!.size, while: 'stopped',
      reason: 'the stored file no longer starts as it did: reading every file present again',
    });
    if (s.pos > 0) say.lost?.({ file: basename(same.path), pos: s.pos, reason: 'truncated' });
  }
  return null;
}

/**
 * A file under the stored identity that holds other lines, and no copy of them anywhere: the same
 * file cut short, or a new one given the inode of the deleted one. logrotate never cuts a rotated
 * file, and its `create` makes PATH younger than every rotated file (a copytruncated PATH is older
 * than its copies); with no rotated file beside it, nothing was rotated. (PATH cut short while
 * stopped beside older rotated files of `create` is taken for a new file: the two look alike.)
 */
function reusedWhileStopped(log: string, same: LogFile, files: LogFile[], born: number): boolean {
  if (same.path !== log) return true;
  const rotated = files.filter((f) => f.path !== log);
  if (rotated.length === 0 || born === 0) return false;
  return rotated.every((f) => {
    try {
      const b = statSync(f.path).birthtimeMs;
      return b > 0 && b <= born;
    } catch {
      return true;
    }
  });
}
