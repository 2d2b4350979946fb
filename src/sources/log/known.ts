// What the follower knows of the log's files beyond the one it reads: which were read to their end
// (and how far), and what each one holds. A file is found again by its identity while it keeps it
// (a rename), and by its content once compressed (gzip writes a new file with the same content):
// the decompressed first bytes, and its size, which gzip's trailer gives without decompressing.
import { closeSync } from 'node:fs';
import { basename } from 'node:path';
import { fileKey, HEAD_BYTES, openLogFile, sameFile, type LogFile } from './files.ts';
import type { FileIdentity } from './lines.ts';
import { CompressedFileError, contentOf, startsWith, type Content } from './content.ts';

/** A file read to its end (or before the resume point). */
export interface DoneFile extends FileIdentity {
  /** Its name when last seen. */
  name: string;
  head: Buffer;
  /** The end of its last complete line. */
  pos: number;
  /** Bytes of content read (past `pos`: a last line without its \n, given up). */
  size: number;
}

/** gzip keeps a content's size mod 2^32. */
const ISIZE = 2 ** 32;

/** A file newer than the one read, seen when that one was opened: not read yet. */
interface Ahead extends FileIdentity {
  name: string;
  head: Buffer;
}

export class KnownFiles {
  private done: DoneFile[] = [];
  private ahead: Ahead[] = [];
  /** Compressed files do not change: their content is read once per identity and size. */
  private readonly gz = new Map<string, Content>();

  /** What `f` holds now; null when its path names another file or none (renamed, deleted). */
  content(f: LogFile): Content | null {
    const key = `${fileKey(f)}:${f.size}`;
    if (f.gz) {
      const c = this.gz.get(key);
      if (c !== undefined) return c;
    }
    const open = openLogFile(f);
    if (open === null) return null;
    try {
      let c: Content;
      try {
        c = contentOf(open);
      } catch (err) {
        if (!(err instanceof CompressedFileError)) throw err;
        c = { head: Buffer.alloc(0), size: 0, born: 0 }; // matches nothing: read (and found corrupt) once
      }
      if (f.gz) this.gz.set(key, c);
      return c;
    } finally {
      closeSync(open.fd);
    }
  }

  /** Whether `c` is (or is a compressed copy of) content of which `head` was the start and `pos` a position. */
  static holds(c: Content, gz: boolean, head: Buffer, pos: number): boolean {
    if (!startsWith(c.head, head)) return false;
    return gz && pos >= ISIZE ? true : c.size >= pos;
  }

  /** Marks `f` read to its end, as it is now (a file older than the resume point); false when it was renamed meanwhile. */
  markDone(f: LogFile): boolean {
    const c = this.content(f);
    if (c === null) return false;
    this.done.push({ dev: f.dev, ino: f.ino, name: basename(f.path), head: c.head, pos: c.size, size: c.size });
    return true;
  }

  forgetAll(): void {
    this.done = [];
  }

  finished(d: DoneFile): void {
    this.done = this.done.filter((x) => !(sameFile(x, d) && x.head.equals(d.head)));
    this.done.push(d);
  }

  /**
   * The done file `f` is, by identity, or by content: compressed, or a plain copy (copytruncate)
   * whose first bytes are a done file's, as many as tell files apart.
   */
  private doneAs(f: LogFile, c: Content): DoneFile | undefined {
    const byId = this.done.find((d) => sameFile(d, f) && startsWith(c.head, d.head));
    if (byId !== undefined) return byId;
    if (f.gz) return this.done.find((d) => d.head.length > 0 && startsWith(c.head, d.head));
    return this.done.find((d) => d.head.length >= Math.min(d.pos, HEAD_BYTES) && d.head.length > 0 && startsWith(c.head, d.head));
  }

  /**
   * Where to read `f` from: 0 for a file not read yet, null for one read to its end, and for a file
   * read to its end that grew since (a writer that still held it), the end of its last complete
   * line then; 'moved' when its path names another file or none now (list again).
   */
  readFrom(f: LogFile): number | null | 'moved' {
    const c = this.content(f);
    if (c === null) return 'moved';
    const d = this.doneAs(f, c);
    if (d === undefined) return 0;
    const readSize = f.gz ? d.size % ISIZE : d.size;
    return c.size > readSize ? d.pos : null;
  }

  /** A done file that had `f`'s identity (called for a file not read yet: one that holds other content now). */
  heldBefore(f: FileIdentity): DoneFile | undefined {
    return this.done.find((d) => sameFile(d, f));
  }

  /** The index of the file in `files` that holds content starting with `head` up to `pos` at least, other than `except`; -1 if none. */
  findContent(files: LogFile[], head: Buffer, pos: number, except: FileIdentity | null, newestFirst = false): number {
    // First bytes short of what the file held up to `pos` do not tell one file from another.
    if (head.length === 0 || head.length < Math.min(pos, HEAD_BYTES)) return -1;
    const order = files.map((_, i) => i);
    if (newestFirst) order.reverse();
    for (const i of order) {
      const f = files[i]!;
      if (except !== null && sameFile(f, except)) continue;
      const c = this.content(f);
      if (c !== null && KnownFiles.holds(c, f.gz, head, pos)) return i;
    }
    return -1;
  }

  /**
   * The file among `files` that had `id` and started with `head`: by identity, or by content where
   * the content moved to a new file (compressed, or copied by copytruncate); null when it is not there.
   */
  find(files: LogFile[], id: FileIdentity, head: Buffer): LogFile | null {
    for (const f of files) {
      if (!sameFile(f, id) && head.length === 0) continue;
      const c = this.content(f);
      // Renamed since the listing (rotations go on): still there, under another name.
      if (c === null ? sameFile(f, id) : startsWith(c.head, head)) return f;
    }
    return null;
  }

  present(files: LogFile[], id: FileIdentity, head: Buffer): boolean {
    return this.find(files, id, head) !== null;
  }

  /** Remembers the files newer than the one opened, not read yet; returns the bytes they hold. */
  expect(newer: LogFile[]): number {
    this.ahead = [];
    let bytes = 0;
    for (const n of newer) {
      const c = this.content(n);
      if (c === null || this.readFrom(n) !== 0) continue;
      this.ahead.push({ dev: n.dev, ino: n.ino, name: basename(n.path), head: c.head });
      bytes += c.size;
    }
    return bytes;
  }

  /**
   * The files expected by the last expect() that are no longer among `files` (deleted before they
   * were opened), and forgets them all. A file seen empty cannot be found again by its content
   * once compressed: never reported.
   */
  unseen(files: LogFile[]): Ahead[] {
    const missing = this.ahead.filter((a) => a.head.length > 0 && !this.present(files, a, a.head));
    this.ahead = [];
    return missing;
  }

  /** Forgets the done files no longer among `files` (deleted) and returns them; the others keep their name now. */
  forget(files: LogFile[]): DoneFile[] {
    const gone: DoneFile[] = [];
    for (const d of this.done) {
      const f = this.find(files, d, d.head);
      if (f === null) gone.push(d);
      else d.name = basename(f.path);
    }
    if (gone.length > 0) this.done = this.done.filter((d) => !gone.includes(d));
    const keys = new Set(files.map((f) => `${fileKey(f)}:${f.size}`));
    for (const k of this.gz.keys()) if (!keys.has(k)) this.gz.delete(k);
    return gone;
  }
}
