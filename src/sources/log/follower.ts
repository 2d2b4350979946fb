// Following test_runs.log (CONTRACTS §3) from a stored offset across rotations (plain or
// compressed: PATH.N.gz), truncations and reused inodes. `readWholeLog` (whole.ts) reads it once
// for `rebuild`; both parse through LineReader, so streaming and rebuild see the same runs and
// store bad lines under the same keys.
//
// Reads of plain files are synchronous preads: from the page cache a 1 MiB read takes ~0.1 ms, far
// less than the thread-pool round trip of an async read, and this thread has nothing else to do
// meanwhile (acks wait in the mailbox for the next await). A compressed file is read only after a
// stop across rotations (a running follower holds its file open through the rename and the
// compression): decompressed as a stream, fed to the same LineReader.
//
// Events (hooks.log), each naming what truly happened:
//   log.file        a file is read from a position (compressed: true for a .gz)
//   log.rotated     the file read was renamed away (file: its name now, from: its name before)
//   log.compressed  the file of the stored offset was compressed while stopped: read on in the .gz
//   log.truncated   the same file got shorter or its first bytes changed (copy: where copytruncate
//                   put its lines, read first)
//   log.inode_reused  a new file has the identity of a file read before (that one was deleted or
//                   compressed): read as the new file it is
//   log.file_lost   (warn) a rotated file deleted before it was read to its end: its name, the byte reached
//   log.deleted     a rotated file read to its end was deleted (its lines stay counted)
//   log.offset_lost (warn) the stored offset's file is nowhere: every file present is read
//   log.compressed_unreadable (warn) a .gz that does not decompress: skipped from where it fails
import { closeSync, fstatSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { LogOffset } from '../../domain/offsets.ts';
import { LineReader, type LinesBatch } from './lines.ts';
import {
  currentIdentity, HEAD_BYTES, listLog, openLogFile, readHead, sameFile, sameListing, toOffset, type LogFile, type OpenFile,
} from './files.ts';
import { CompressedFileError, contentOf, decompressed, startsWith, type Content } from './content.ts';
import { KnownFiles, type DoneFile } from './known.ts';
import { fileLost, inodeReused, locateOffset } from './resume.ts';

/** How long a rotated file that ends mid-line is watched for the rest of that line. */
const ROTATION_GRACE_MS = 1000;
/** Decompressed bytes per chunk of a compressed file. */
const GZ_CHUNK = 1 << 16;

export interface FollowBatch extends LinesBatch {
  /** Just after the last complete line consumed. */
  offset: LogOffset;
  readAt: number;
}

export interface FollowerOptions {
  log: string;
  pollMs: number;
  maxBatchBytes: number;
  signal: AbortSignal;
}

export interface FollowerHooks {
  /** One read's worth; awaited before the next read, so a full mailbox slows the reading. */
  batch(b: FollowBatch): Promise<void>;
  log(event: string, fields: Record<string, unknown>): void;
  progress(p: { file: string; pos: number; lagBytes: number }): void;
  /** Waits until wake(), the stop, or `ms` (the polling fallback beside fs.watch). */
  sleep(ms: number): Promise<unknown>;
  wake(): void;
  /**
   * Lines the log no longer holds: read up to `pos` in `file` before a truncation removed them
   * ('truncated'), or in a rotated file deleted ('deleted': read to its end, or not, and then `pos`
   * is where the reading had come to).
   */
  lost?(l: { file: string; pos: number; reason: 'truncated' | 'deleted' }): void;
}

export class LogFollower {
  private cur: OpenFile | null = null;
  /** The current file's first bytes (of a compressed one, decompressed). */
  private head: Buffer = Buffer.alloc(0);
  /** Bytes of content of the current file when it is compressed (it does not change). */
  private curSize = 0;
  /** The current file was opened as PATH: its rename is a rotation. */
  private curLive = false;
  private rotationLogged = false;
  private readonly reader: LineReader;
  private readonly known = new KnownFiles();
  private started = false;
  /** Bytes in the files newer than the current one, when it is not PATH. */
  private newerBytes = 0;
  private lastSent = '';
  private watcher: FSWatcher | null = null;
  private waitingLogged = false;
  /** When the open file was first seen renamed away while ending mid-line. */
  private rotatedAt: number | null = null;
  private problem = '';

  constructor(
    private readonly o: FollowerOptions,
    private start: LogOffset | null,
    private readonly hooks: FollowerHooks,
  ) {
    this.reader = new LineReader(o.maxBatchBytes);
  }

  /** Follows the log until the signal aborts; closes everything on the way out. */
  async run(): Promise<void> {
    const { signal, log } = this.o;
    const kick = (): void => this.hooks.wake();
    const name = basename(log);
    try {
      // The directory, not the file: a rotation replaces the file, and a watch on it would go deaf.
      this.watcher = watch(dirname(log), { persistent: false }, (_event, file) => {
        if (file === null || file.startsWith(name)) kick();
      });
      this.watcher.on('error', (err) => {
        this.hooks.log('log.watch_failed', { log, error: err.message, fallback: `polling every ${this.o.pollMs} ms` });
        this.watcher?.close();
        this.watcher = null;
      });
    } catch (err) {
      this.hooks.log('log.watch_failed', { log, error: (err as Error).message, fallback: `polling every ${this.o.pollMs} ms` });
    }
    try {
      while (!signal.aborted) {
        try {
          await this.catchUp();
          this.problem = '';
        } catch (err) {
          // A file that cannot be read now (permissions, I/O, a .gz that does not decompress): said
          // once, tried again at the next wake, from the last complete line.
          if (typeof (err as NodeJS.ErrnoException).syscall !== 'string') throw err;
          if ((err as Error).message !== this.problem) this.hooks.log('log.unreadable', { log, error: (err as Error).message });
          this.problem = (err as Error).message;
        }
        // Woken by fs.watch, else polled: watch events can be missed (network file systems, a full inotify queue).
        await this.hooks.sleep(this.o.pollMs);
      }
    } finally {
      this.close();
    }
  }

  close(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.cur !== null) closeSync(this.cur.fd);
    this.cur = null;
  }

  /** Reads everything there is now, file after file; returns at the end of PATH. */
  private async catchUp(): Promise<void> {
    const { signal, log } = this.o;
    if (!this.started && !this.begin()) return;
    while (!signal.aborted) {
      if (this.cur === null && !this.openNext()) return;
      const cur = this.cur!;
      if (cur.gz) {
        if (!(await this.readCompressed(cur))) return;
        continue;
      }
      const size = fstatSync(cur.fd).size;
      if (size < this.reader.readPos || !this.headOk(cur)) {
        await this.truncated(cur, size, this.reader.pos);
        continue;
      }
      const before = this.reader.pos;
      if (this.reader.readSome(cur.fd) > 0) {
        // Truncated and rewritten during that read: what it got may be neither file's lines.
        if (!this.headOk(cur)) {
          this.reader.take();
          await this.truncated(cur, fstatSync(cur.fd).size, before);
          continue;
        }
        await this.emit(cur);
        continue;
      }
      const now = currentIdentity(log);
      // PATH missing: renamed, its successor not created yet; the next wake sees which.
      if (now === null || sameFile(now, cur)) {
        this.newerBytes = 0;
        this.report(cur);
        return;
      }
      // Rotated: what was written before the rename is in the old file now; finish it.
      if (this.curLive && !this.rotationLogged) this.rotated(cur);
      while (!signal.aborted && this.reader.readSome(cur.fd) > 0) await this.emit(cur);
      if (signal.aborted) return;
      // A line the writer had half written at the rename can still be ended through the handle it
      // holds: a renamed file ending mid-line is read again at later wakes for a while before its
      // last line is given up as incomplete (the lines of PATH wait meanwhile, in order).
      if (this.reader.pending) {
        this.rotatedAt ??= Date.now();
        if (Date.now() - this.rotatedAt < ROTATION_GRACE_MS) {
          this.report(cur);
          return;
        }
      }
      await this.finish(cur);
    }
  }

  /** The current file read to its end: remembered as done, closed. */
  private async finish(cur: OpenFile): Promise<void> {
    const pos = this.reader.pos;
    this.reader.finishFile();
    await this.emit(cur);
    // A compressed file does not change: done as it is, also when it did not decompress to its end.
    const size = cur.gz ? Math.max(this.curSize, this.reader.readPos) : this.reader.readPos;
    this.known.finished({ dev: cur.dev, ino: cur.ino, name: basename(cur.path), head: this.head, pos, size });
    closeSync(cur.fd);
    this.cur = null;
    this.rotatedAt = null;
  }

  /** Reads a compressed file from the reader's position to its end; false when stopped first. */
  private async readCompressed(cur: OpenFile): Promise<boolean> {
    const { signal, maxBatchBytes } = this.o;
    const from = this.reader.pos;
    // After a failed attempt, a line begun then is fed again from its start.
    this.reader.reset(cur, from);
    let at = 0;
    let fed = 0;
    try {
      for await (const chunk of decompressed(cur, Math.min(GZ_CHUNK, maxBatchBytes))) {
        if (signal.aborted) return false;
        const end = at + chunk.length;
        if (end > from) {
          const piece = at >= from ? chunk : chunk.subarray(from - at);
          this.reader.feed(piece);
          fed += piece.length;
        }
        at = end;
        if (fed >= maxBatchBytes) {
          fed = 0;
          await this.emit(cur);
        }
      }
    } catch (err) {
      if (!(err instanceof CompressedFileError)) throw err;
      // Corrupt, not unreadable for now: waiting would stop every newer line behind it for good.
      this.hooks.log('log.compressed_unreadable', {
        level: 'warn', file: basename(cur.path), pos: this.reader.pos, error: err.message,
        reason: 'a compressed rotated file does not decompress: what it holds past this position is skipped',
      });
    }
    if (signal.aborted) return false;
    await this.finish(cur);
    return true;
  }

  /** Where to start: the stored offset's file and position, or every file from the oldest. */
  private begin(): boolean {
    if (this.start !== null) {
      const at = locateOffset(this.o.log, this.start, this.known, this.hooks);
      if (at === 'retry') return false; // renamed meanwhile: list again at the next wake
      if (at !== null) return this.resumeIn(at.files, at.at, at.pos);
      this.start = null;
    }
    this.started = true;
    return this.openNext();
  }

  private resumeIn(files: LogFile[], at: number, pos: number): boolean {
    const f = openLogFile(files[at]!);
    if (f === null) return false; // renamed meanwhile: list again at the next wake
    if (!files.slice(0, at).every((older) => this.known.markDone(older))) {
      closeSync(f.fd);
      this.known.forgetAll();
      return false;
    }
    this.use(f, pos, files.slice(at + 1));
    this.started = true;
    return true;
  }

  /** Opens the oldest file not read yet after the current one; false when there is none now. */
  private openNext(): boolean {
    for (let tries = 0; tries < 5; tries++) {
      const files = listLog(this.o.log);
      const gone = this.checkGone(files);
      let next = -1;
      let from = 0;
      let moved = false;
      for (let i = 0; i < files.length && next < 0 && !moved; i++) {
        const r = this.known.readFrom(files[i]!);
        if (r === 'moved') moved = true;
        else if (r !== null) [next, from] = [i, r];
      }
      if (moved) continue;
      if (next < 0) {
        if (!this.waitingLogged) this.hooks.log('log.waiting', { log: this.o.log, reason: 'no file to read yet' });
        this.waitingLogged = true;
        return false;
      }
      const f = openLogFile(files[next]!);
      if (f === null) continue;
      const before = from === 0 ? (gone.find((d) => sameFile(d, f)) ?? this.known.heldBefore(f)) : undefined;
      if (before !== undefined) {
        const why = gone.includes(before) ? `${before.name}, read before, was deleted` : `the file read before under it is ${before.name} now`;
        inodeReused(this.hooks, files[next]!, 'running', why);
      }
      this.use(f, from, files.slice(next + 1));
      return true;
    }
    return false;
  }

  /** Files seen before and gone now (rotate N reached): said, and reported as lost history. */
  private checkGone(files: LogFile[]): DoneFile[] {
    const gone = this.known.forget(files);
    for (const d of gone) {
      this.hooks.log('log.deleted', { file: d.name, pos: d.pos, reason: 'a rotated file read to its end was deleted; its lines stay counted' });
      if (d.pos > 0) this.hooks.lost?.({ file: d.name, pos: d.pos, reason: 'deleted' });
    }
    for (const a of this.known.unseen(files)) fileLost(this.hooks, a.name, 0, 'running', a.head);
    return gone;
  }

  /** The file read, opened as PATH, was renamed away: said once, with its name now. */
  private rotated(cur: OpenFile): void {
    this.rotationLogged = true;
    const files = listLog(this.o.log);
    let at = files.findIndex((f) => sameFile(f, cur));
    if (at < 0) at = this.known.findContent(files, this.head, 0, cur);
    const from = basename(cur.path);
    const now = at < 0 ? null : basename(files[at]!.path);
    this.hooks.log('log.rotated', { file: now, from, dev: cur.dev, ino: cur.ino, while: 'running' });
    if (at >= 0 && !files[at]!.gz) cur.path = files[at]!.path;
  }

  private use(f: OpenFile, pos: number, newer: LogFile[]): void {
    let c: Content;
    try {
      c = contentOf(f);
    } catch (err) {
      if (!(err instanceof CompressedFileError)) {
        closeSync(f.fd);
        throw err;
      }
      c = { head: Buffer.alloc(0), size: 0, born: 0 }; // found out, and said, when it is read
    }
    this.cur = f;
    this.curLive = f.path === this.o.log;
    this.rotationLogged = false;
    this.rotatedAt = null;
    this.head = c.head;
    this.curSize = c.size;
    this.reader.reset(f, pos);
    this.newerBytes = this.known.expect(newer);
    this.waitingLogged = false;
    this.hooks.log('log.file', { file: basename(f.path), dev: f.dev, ino: f.ino, pos, ...(f.gz ? { compressed: true } : {}) });
  }

  /** The file still starts with the bytes it started with; a longer start is remembered. */
  private headOk(f: OpenFile): boolean {
    const now = readHead(f.fd);
    if (!startsWith(now, this.head)) return false;
    if (now.length > this.head.length) this.head = now;
    return true;
  }

  /**
   * Shorter than the position reached, or other first bytes: truncated. When a copy of what it
   * held is beside it (logrotate's copytruncate), the copy is read on from that position first,
   * then this file from its start; with no copy, lines read before are gone from the log.
   */
  private async truncated(f: OpenFile, size: number, reached: number): Promise<void> {
    const file = basename(f.path);
    let files = listLog(this.o.log);
    let copy = this.known.findContent(files, this.head, reached, f, true);
    // logrotate may be at its next rotation meanwhile (PATH.1 renamed to PATH.2 while it was being
    // read): with no copy found in a listing that has changed since, look again in the new one.
    for (let again = 0; copy < 0 && again < 3; again++) {
      const now = listLog(this.o.log);
      if (sameListing(now, files)) break;
      files = now;
      copy = this.known.findContent(files, this.head, reached, f, true);
    }
    const opened = copy < 0 || typeof this.known.readFrom(files[copy]!) !== 'number' ? null : openLogFile(files[copy]!);
    if (opened !== null) {
      this.hooks.log('log.truncated', {
        file, pos: reached, size, while: 'running', copy: basename(opened.path),
        reason: `it was copied to ${basename(opened.path)} first (copytruncate): read on from there, then this file from its start`,
      });
      closeSync(f.fd);
      this.cur = null;
      this.use(opened, reached, files.slice(copy + 1));
      return;
    }
    this.hooks.log('log.truncated', { file, pos: reached, size, while: 'running' });
    if (reached > 0) this.hooks.lost?.({ file, pos: reached, reason: 'truncated' });
    // What was read stays known by its first bytes: a copy of it that shows up later (copytruncate
    // copied fewer bytes than were read before the cut, or rotations came faster than this check)
    // is read only past that, not again from its start (its bad lines would count twice).
    if (reached > 0 && this.head.length > 0) this.known.finished({ dev: f.dev, ino: f.ino, name: file, head: this.head, pos: reached, size: reached });
    this.reader.reset(f, 0);
    this.head = readHead(f.fd);
    await this.emit(f);
  }

  /** Sends what was parsed with the offset reached; nothing when neither moved. */
  private async emit(f: OpenFile): Promise<void> {
    // An offset names its file by its first bytes: as many as there are (a file read while still short).
    if (!f.gz && this.head.length < HEAD_BYTES && this.reader.pos > this.head.length) this.headOk(f);
    const offset = toOffset(f, this.reader.pos, this.head);
    const mark = `${offset.dev}:${offset.ino}@${offset.pos}#${offset.head}`;
    if (this.reader.empty && mark === this.lastSent) return;
    this.lastSent = mark;
    const batch = this.reader.take();
    await this.hooks.batch({ ...batch, offset, readAt: Date.now() });
    this.report(f);
  }

  private report(f: OpenFile): void {
    const size = f.gz ? this.curSize : fstatSync(f.fd).size;
    this.hooks.progress({ file: basename(f.path), pos: this.reader.pos, lagBytes: Math.max(0, size - this.reader.pos) + this.newerBytes });
  }
}
