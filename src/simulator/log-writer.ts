// The appender of test_runs.log (CONTRACTS §3). Writes go through one ordered queue, so that a line
// written in two parts with a pause between is never interleaved with other lines, and a rotation
// or truncation lands exactly between the lines it was asked between. Data is coalesced: the
// history goes out in 4 MiB writes, a live tick in one write.
import { closeSync, existsSync, ftruncateSync, openSync, renameSync, writeSync } from 'node:fs';
import { errors } from './errors.ts';

type Op = { kind: 'data'; data: Buffer } | { kind: 'pause'; ms: number } | { kind: 'rotate' } | { kind: 'truncate' };

/**
 * Lines are encoded into this buffer as they come and leave it in one write: each line's string
 * dies young, where appending to one big string keeps a rope of ~30k lines alive until the write.
 * bench/simulator.ts measures the two: encoding per line is ~15% faster.
 */
const BUFFER_BYTES = 4 * 1024 * 1024;

export class LogWriter {
  private fd: number;
  private readonly buf = Buffer.allocUnsafe(BUFFER_BYTES);
  private len = 0;
  private readonly queue: Op[] = [];
  private timer: NodeJS.Timeout | null = null;
  private waiters: (() => void)[] = [];
  private closed = false;

  /** `onError` hears of a write that failed after a split line's pause, outside any caller. */
  constructor(
    readonly path: string,
    private readonly onError: (err: Error) => void,
  ) {
    try {
      this.fd = openSync(path, 'a');
    } catch (err) {
      throw errors.cannotCreate(path, err as Error);
    }
  }

  /** Appends `text` (whole lines, or the rest of one); it reaches the file by the next flush. */
  write(text: string): void {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    if (this.len + text.length * 3 > BUFFER_BYTES) {
      this.flush();
      if (text.length * 3 > BUFFER_BYTES) {
        this.queue.push({ kind: 'data', data: Buffer.from(text, 'utf8') });
        this.drain();
        return;
      }
    }
    this.len += this.buf.write(text, this.len, 'utf8');
  }

  /** Hands everything written so far to the file, except what waits behind a split line's pause. */
  flush(): void {
    this.enqueuePending();
    this.drain();
  }

  /** Writes `first` now, then `second` after `pauseMs`; later writes wait behind it. */
  split(first: string, second: string, pauseMs: number): void {
    this.enqueuePending();
    this.queue.push({ kind: 'data', data: Buffer.from(first) }, { kind: 'pause', ms: pauseMs }, { kind: 'data', data: Buffer.from(second) });
    this.drain();
  }

  /** Renames PATH to PATH.1 (PATH.1 to PATH.2, and so on) and starts a new PATH. */
  rotate(): void {
    this.enqueuePending();
    this.queue.push({ kind: 'rotate' });
    this.drain();
  }

  /** Truncates PATH to zero length; later lines are written from its start. */
  truncate(): void {
    this.enqueuePending();
    this.queue.push({ kind: 'truncate' });
    this.drain();
  }

  /** Resolves once every write asked for so far is in the file (a split line's pause included). */
  settled(): Promise<void> {
    this.flush();
    if (this.idle()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private idle(): boolean {
    return this.queue.length === 0 && this.timer === null && this.len === 0;
  }

  /** Moves the buffered lines behind what is queued: straight to the file when nothing is. */
  private enqueuePending(): void {
    if (this.len === 0) return;
    const data = this.buf.subarray(0, this.len);
    if (this.queue.length === 0 && this.timer === null && !this.closed) this.writeAll(data);
    else this.queue.push({ kind: 'data', data: Buffer.from(data) });
    this.len = 0;
  }

  private drain(skipPauses = false): void {
    while (this.timer === null && this.queue.length > 0 && !this.closed) {
      const op = this.queue.shift()!;
      switch (op.kind) {
        case 'data':
          this.writeAll(op.data);
          break;
        case 'pause':
          if (skipPauses) break;
          this.timer = setTimeout(() => {
            this.timer = null;
            try {
              this.drain();
            } catch (err) {
              this.onError(err as Error);
            }
          }, op.ms);
          break;
        case 'rotate':
          this.rotateNow();
          break;
        case 'truncate':
          ftruncateSync(this.fd, 0);
          break;
        default: {
          const never: never = op;
          throw new Error(`unknown op ${JSON.stringify(never)}`);
        }
      }
    }
    if (this.idle()) for (const w of this.waiters.splice(0)) w();
  }

  private writeAll(data: Buffer): void {
    let off = 0;
    while (off < data.length) off += writeSync(this.fd, data, off, data.length - off);
  }

  private rotateNow(): void {
    closeSync(this.fd);
    let n = 1;
    while (existsSync(`${this.path}.${n}`)) n++;
    for (let i = n - 1; i >= 1; i--) renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
    renameSync(this.path, `${this.path}.1`);
    this.fd = openSync(this.path, 'a');
  }

  /** Writes what is queued at once, pauses skipped, so that the file ends on whole lines. */
  close(): void {
    if (this.closed) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    try {
      this.enqueuePending();
      this.drain(true);
    } finally {
      this.closed = true;
      closeSync(this.fd);
      for (const w of this.waiters.splice(0)) w();
    }
  }
}
