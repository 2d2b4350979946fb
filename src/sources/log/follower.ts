// Following test_runs.log (CONTRACTS §3) from a stored offset across rotations and truncations.
// `readWholeLog` (log-whole.ts, re-exported here) reads it once for `rebuild`; both parse through
// LineReader, so streaming and rebuild see the same runs and store bad lines under the same keys.
//
// Reads are synchronous preads: from the page cache a 1 MiB read takes ~0.1 ms, far less than the
// thread-pool round trip of an async read, and this thread has nothing else to do meanwhile (acks
// wait in the mailbox for the next await).
import { closeSync, fstatSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { LogOffset } from '../../domain/offsets.ts';
import { LineReader, type LinesBatch } from './lines.ts';
import {
  currentIdentity, fileKey, headMatches, listLog, openLogFile, readHead, sameFile, toOffset, type LogFile, type OpenFile,
} from './files.ts';


/** How long a rotated file that ends mid-line is watched for the rest of that line. */
const ROTATION_GRACE_MS = 1000;

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
}

export class LogFollower {
  private cur: OpenFile | null = null;
  private head: Buffer = Buffer.alloc(0);
  private readonly reader: LineReader;
  /**
   * Files read to their end in this incarnation (or older than the resume point), with their first
   * bytes: an inode freed by a deleted old file and reused by a new PATH is not the same file.
   */
  private readonly done = new Map<string, Buffer>();
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
          // A file that cannot be read now (permissions, I/O): said once, tried again at the next wake.
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
      const size = fstatSync(cur.fd).size;
      if (size < this.reader.readPos || !this.headOk(cur)) {
        await this.restartFile(cur, size);
        continue;
      }
      if (this.reader.readSome(cur.fd) > 0) {
        // Truncated and rewritten during that read: what it got may be neither file's lines.
        if (!this.headOk(cur)) {
          this.reader.take();
          await this.restartFile(cur, fstatSync(cur.fd).size);
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
      this.rotatedAt = null;
      this.reader.finishFile();
      await this.emit(cur);
      this.done.set(fileKey(cur), this.head);
      closeSync(cur.fd);
      this.cur = null;
    }
  }

  /** Where to start: the stored offset's file and position, or every file from the oldest. */
  private begin(): boolean {
    const files = listLog(this.o.log);
    const start = this.start;
    if (start !== null) {
      const at = files.findIndex((f) => sameFile(f, start));
      if (at < 0) {
        this.hooks.log('log.offset_lost', {
          level: 'warn', log: this.o.log, dev: start.dev, ino: start.ino, pos: start.pos,
          reason: `the stored offset names file ${start.dev}:${start.ino}, which is neither the log nor a rotated file beside it; reading every file present again`,
        });
        this.start = null;
      } else {
        const f = openLogFile(files[at]!);
        if (f === null) return false; // renamed meanwhile: list again at the next wake
        const stored = Buffer.from(start.head, 'base64');
        const size = fstatSync(f.fd).size;
        if (size < start.pos || !headMatches(f.fd, stored)) {
          // Truncated while stopped, or a new file that was given the stored file's freed inode
          // (rotated away and deleted): which files are new cannot be told, so every file present
          // is read again. Harmless: completions and rejections are stored once each.
          this.hooks.log('log.truncated', {
            file: basename(f.path), pos: start.pos, size, while: 'stopped',
            reason: 'the stored file no longer starts as it did: reading every file present again',
          });
          closeSync(f.fd);
          this.start = null;
        } else {
          for (const older of files.slice(0, at)) this.markDone(older);
          this.use(f, start.pos, files.slice(at + 1));
          this.started = true;
          return true;
        }
      }
    }
    this.started = true;
    return this.openNext();
  }

  /** Opens the oldest file not read yet after the current one; false when there is none now. */
  private openNext(): boolean {
    for (let tries = 0; tries < 5; tries++) {
      const files = listLog(this.o.log);
      // Forget files no longer there, so that a new file given a freed inode is not taken for one.
      const present = new Set(files.map(fileKey));
      for (const key of this.done.keys()) if (!present.has(key)) this.done.delete(key);
      const next = files.findIndex((f) => !this.isDone(f));
      if (next < 0) {
        if (!this.waitingLogged) this.hooks.log('log.waiting', { log: this.o.log, reason: 'no file to read yet' });
        this.waitingLogged = true;
        return false;
      }
      const f = openLogFile(files[next]!);
      if (f === null) continue;
      this.use(f, 0, files.slice(next + 1));
      return true;
    }
    return false;
  }

  private markDone(f: LogFile): void {
    const open = openLogFile(f);
    if (open === null) return;
    try {
      this.done.set(fileKey(f), readHead(open.fd));
    } finally {
      closeSync(open.fd);
    }
  }

  private isDone(f: LogFile): boolean {
    const head = this.done.get(fileKey(f));
    if (head === undefined) return false;
    const open = openLogFile(f);
    if (open === null) return true; // gone meanwhile: nothing to read there
    try {
      return headMatches(open.fd, head);
    } finally {
      closeSync(open.fd);
    }
  }

  private use(f: OpenFile, pos: number, newer: LogFile[]): void {
    this.cur = f;
    this.rotatedAt = null;
    this.head = readHead(f.fd);
    this.reader.reset(f, pos);
    this.newerBytes = newer.reduce((n, x) => n + x.size, 0);
    this.waitingLogged = false;
    this.hooks.log('log.file', { file: basename(f.path), dev: f.dev, ino: f.ino, pos });
  }

  /** The file still starts with the bytes it started with; a longer start is remembered. */
  private headOk(f: OpenFile): boolean {
    const now = readHead(f.fd);
    if (now.length < this.head.length || !now.subarray(0, this.head.length).equals(this.head)) return false;
    if (now.length > this.head.length) this.head = now;
    return true;
  }

  /** Truncated (and perhaps written again): read it again from its start. */
  private async restartFile(f: OpenFile, size: number): Promise<void> {
    this.hooks.log('log.truncated', { file: basename(f.path), pos: this.reader.pos, size, while: 'running' });
    this.reader.reset(f, 0);
    this.head = readHead(f.fd);
    await this.emit(f);
  }

  /** Sends what was parsed with the offset reached; nothing when neither moved. */
  private async emit(f: OpenFile): Promise<void> {
    const offset = toOffset(f, this.reader.pos, this.head);
    const mark = `${offset.dev}:${offset.ino}@${offset.pos}#${offset.head}`;
    if (this.reader.empty && mark === this.lastSent) return;
    this.lastSent = mark;
    const batch = this.reader.take();
    await this.hooks.batch({ ...batch, offset, readAt: Date.now() });
    this.report(f);
  }

  private report(f: OpenFile): void {
    const size = fstatSync(f.fd).size;
    this.hooks.progress({ file: basename(f.path), pos: this.reader.pos, lagBytes: Math.max(0, size - this.reader.pos) + this.newerBytes });
  }
}
