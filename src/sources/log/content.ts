// What one file of the log holds, plain or compressed (PATH.N.gz): its first bytes and its size,
// both of the decompressed content, and the stream of that content. Compressing a rotated file
// gives it a new identity (gzip writes a new file), but not new content: a position stored in
// PATH.1 is the same position in the decompressed PATH.2.gz, and the same first bytes say so.
import { fstatSync, readSync } from 'node:fs';
import { pipeline, Readable } from 'node:stream';
import { constants, createGunzip, gunzipSync } from 'node:zlib';
import { HEAD_BYTES, readHead, type OpenFile } from './files.ts';

export interface Content {
  /** The first bytes (up to HEAD_BYTES) of the content, decompressed. */
  head: Buffer;
  /** Bytes of content, decompressed (of a compressed file, gzip's ISIZE: its size mod 2^32). */
  size: number;
  /** When the file was created (ms), 0 where the file system does not say. */
  born: number;
}

/** A compressed file whose content cannot be decompressed (corrupt, cut short): a read problem, like an I/O error. */
export class CompressedFileError extends Error {
  override name = 'CompressedFileError';
  /** Read problems are told apart from bugs by their syscall (as fs errors are). */
  readonly syscall = 'gunzip';
}

const corrupt = (path: string, err: unknown): CompressedFileError =>
  new CompressedFileError(`cannot decompress ${path}: ${(err as Error)?.message ?? String(err)}`, { cause: err });

/** Whether `b` starts with `prefix`. */
export const startsWith = (b: Buffer, prefix: Buffer): boolean => b.length >= prefix.length && b.subarray(0, prefix.length).equals(prefix);

/** The content's first bytes and size, and the file's birth time. */
export function contentOf(f: OpenFile): Content {
  const st = fstatSync(f.fd);
  if (!f.gz) return { head: readHead(f.fd), size: st.size, born: st.birthtimeMs };
  return { head: gzHead(f, st.size), size: gzSize(f.fd, st.size), born: st.birthtimeMs };
}

/**
 * The first HEAD_BYTES of a compressed file's content: its first compressed bytes, decompressed
 * with a sync flush (which yields what they hold instead of failing on the missing rest), more of
 * them only while they hold too little.
 */
function gzHead(f: OpenFile, diskSize: number): Buffer {
  if (diskSize === 0) return Buffer.alloc(0);
  for (let want = 512; ; want *= 8) {
    const b = Buffer.alloc(Math.min(want, diskSize));
    const n = readSync(f.fd, b, 0, b.length, 0);
    let out: Buffer;
    try {
      out = gunzipSync(b.subarray(0, n), { finishFlush: constants.Z_SYNC_FLUSH });
    } catch (err) {
      throw corrupt(f.path, err);
    }
    if (out.length >= HEAD_BYTES || n >= diskSize) return Buffer.from(out.subarray(0, HEAD_BYTES));
  }
}

/** gzip's trailer ends with the content's size mod 2^32 (ISIZE, little-endian). */
function gzSize(fd: number, diskSize: number): number {
  if (diskSize < 18) return 0; // not even an empty member's header and trailer
  const b = Buffer.alloc(4);
  readSync(fd, b, 0, 4, diskSize - 4);
  return b.readUInt32LE(0);
}

/** The compressed bytes, read with preads at their own position (the fd's is never used nor closed). */
function* compressedBytes(fd: number, chunkBytes: number): Generator<Buffer> {
  for (let pos = 0; ; ) {
    const b = Buffer.allocUnsafe(chunkBytes);
    const n = readSync(fd, b, 0, chunkBytes, pos);
    if (n === 0) return;
    pos += n;
    yield n === chunkBytes ? b : b.subarray(0, n);
  }
}

/**
 * The decompressed content of a compressed file, in chunks, from its start (the fd stays open:
 * its owner closes it). Stopping the iteration early stops the decompression.
 */
export async function* decompressed(f: OpenFile, chunkBytes = 1 << 16): AsyncGenerator<Buffer> {
  // Not fs.createReadStream: destroying one closes its fd, which belongs to the caller.
  const src = Readable.from(compressedBytes(f.fd, chunkBytes), { objectMode: false });
  const gunzip = createGunzip({ chunkSize: chunkBytes });
  // pipeline() destroys both on an error of either, so the iteration below throws it.
  pipeline(src, gunzip, () => {});
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (err) {
    if (typeof (err as NodeJS.ErrnoException).syscall === 'string') throw err; // an I/O error of the file, as is
    throw corrupt(f.path, err);
  } finally {
    src.destroy();
    gunzip.destroy();
  }
}
