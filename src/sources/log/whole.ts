// Reading the whole log once, for `rebuild`: PATH.N … PATH.1, then PATH, through the same
// LineReader as the LogTailer, so that both find the same runs and the same rejected keys.
// Compressed rotated files (PATH.N.gz) are decompressed as streams and fed to it.
import { closeSync } from 'node:fs';
import { basename } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { LogOffset } from '../../domain/offsets.ts';
import type { Rejected } from '../../domain/records.ts';
import { SourceError } from '../errors.ts';
import { LineReader } from './lines.ts';
import { PairTimes } from '../../domain/pair-times.ts';
import { listLog, openLogFile, readHead, toOffset, type LogFile, type OpenFile } from './files.ts';
import { decompressed } from './content.ts';

export interface WholeLog {
  /** Completions [student_id, lesson_id, ms, ...], each pair once with its earliest time, ascending. */
  completions: Float64Array;
  runs: number;
  rejected: Rejected[];
  /** The end of PATH's last complete line; null when PATH does not exist. */
  offset: LogOffset | null;
}

const WHOLE_READ_BYTES = 1 << 20;

/**
 * For `rebuild`: PATH.N … PATH.1, then PATH, each once from its start (a compressed one
 * decompressed), parsed as the LogTailer parses. Throws a SourceError naming the log when there is
 * nothing to read, or naming a compressed file that cannot be decompressed.
 */
export async function readWholeLog(path: string): Promise<WholeLog> {
  // A rotation between listing and opening renames a file: list and read again.
  for (let attempt = 1; ; attempt++) {
    const result = await readOnce(path);
    if (result !== null) return result;
    if (attempt === 5) throw new SourceError(`cannot read the log ${path}: its files kept being renamed while it was read (rotations); try again`);
  }
}

async function readOnce(path: string): Promise<WholeLog | null> {
  let files: LogFile[];
  try {
    files = listLog(path);
  } catch (err) {
    throw new SourceError(`cannot open the log ${path}: ${(err as Error).message}`);
  }
  if (files.length === 0) throw new SourceError(`cannot open the log ${path}: no such file, and no rotated files (${basename(path)}.1, …) beside it`);
  const reader = new LineReader(WHOLE_READ_BYTES);
  const pairs = new PairTimes();
  const rejected: Rejected[] = [];
  let runs = 0;
  let offset: LogOffset | null = null;
  const drain = (): void => {
    const b = reader.take();
    runs += b.runs;
    const c = b.completions;
    for (let i = 0; i + 2 < c.length; i += 3) pairs.add(c[i]!, c[i + 1]!, c[i + 2]!);
    for (const r of b.rejected) rejected.push(r);
  };
  for (const f of files) {
    let file: OpenFile | null;
    try {
      file = openLogFile(f);
    } catch (err) {
      throw new SourceError(`cannot open the log file ${f.path}: ${(err as Error).message}`);
    }
    if (file === null) return null;
    try {
      reader.reset(file, 0);
      if (file.gz) {
        try {
          // Each chunk is a turn of the event loop already: no yield needed.
          for await (const chunk of decompressed(file, 1 << 20)) {
            reader.feed(chunk);
            drain();
          }
        } catch (err) {
          throw new SourceError(`cannot read the log file ${f.path}: ${(err as Error).message}`);
        }
      } else {
        for (let reads = 1; reader.readSome(file.fd) > 0; reads++) {
          drain();
          // A long read stays polite to whatever else runs on this thread.
          if (reads % 64 === 0) await yieldToLoop();
        }
      }
      if (f.path === path) {
        offset = toOffset(file, reader.pos, readHead(file.fd));
      } else {
        reader.finishFile();
      }
      drain();
    } finally {
      closeSync(file.fd);
    }
  }
  return { completions: pairs.take(), runs, rejected, offset };
}
