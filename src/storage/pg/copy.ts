// COPY ... FROM STDIN in text format (pg-copy-streams): the bulk path of `rebuild`, and of a
// transaction with very many completions (a backlog read in one go).
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { CompletionSet } from '../../domain/aggregate.ts';

/** Writes every chunk through `COPY <target> FROM STDIN`, honouring back-pressure; resolves once the server has them all. */
export async function copyIn(c: pg.Client, sql: string, chunks: Iterable<string | Uint8Array>): Promise<void> {
  const stream = c.query(copyFrom(sql));
  await new Promise<void>((resolve, reject) => {
    let failed = false;
    stream.on('error', (err: Error) => {
      failed = true;
      reject(err);
    });
    stream.on('finish', resolve);
    const it = chunks[Symbol.iterator]();
    const pump = (): void => {
      try {
        for (;;) {
          if (failed) return;
          const r = it.next();
          if (r.done === true) return void stream.end();
          if (!stream.write(r.value)) return void stream.once('drain', pump);
        }
      } catch (err) {
        failed = true;
        stream.destroy(err as Error);
        reject(err);
      }
    };
    pump();
  });
}

/** A value in COPY's text format: NULL as \N; backslash, tab, newline and carriage return escaped; U+0000 (which text cannot hold) replaced. */
export function copyValue(v: string | number | null): string {
  if (v === null) return '\\N';
  if (typeof v === 'number') return String(v);
  if (!/[\\\t\n\r\u0000]/.test(v)) return v;
  return v.replace(/[\\\t\n\r\u0000]/g, (ch) => (ch === '\\' ? '\\\\' : ch === '\t' ? '\\t' : ch === '\n' ? '\\n' : ch === '\r' ? '\\r' : '\uFFFD'));
}

/** Rows as COPY text, in chunks of about `rowsPerChunk` rows. */
export function* copyRows<T>(rows: Iterable<T>, line: (r: T) => string, rowsPerChunk = 16_384): Generator<string> {
  let buf: string[] = [];
  for (const r of rows) {
    buf.push(line(r));
    if (buf.length >= rowsPerChunk) {
      yield buf.join('');
      buf = [];
    }
  }
  if (buf.length > 0) yield buf.join('');
}

/** Rows of COPY's binary format per chunk of pairs. */
const PAIR_ROWS = 65_536;
/** One row: a field count (int16 3), then three 8-byte fields (two int8, one timestamptz), each a length (int32 8, or -1 for NULL) and the value. */
const PAIR_ROW_BYTES = 2 + 3 * (4 + 8);
/** PostgreSQL's epoch (2000-01-01) in Unix ms: a binary timestamptz counts microseconds from it. */
const PG_EPOCH_MS = 946_684_800_000;

/**
 * Pairs (student, lesson) with their times, pushed one by one, as COPY's binary format (no number printed and parsed:
 * about twice as fast as text at either end). `end()` gives the chunks: the header, the rows, the trailer.
 */
export class BinaryPairs {
  private readonly chunks: Uint8Array[] = [];
  private buf = new ArrayBuffer(PAIR_ROWS * PAIR_ROW_BYTES);
  private view = new DataView(this.buf);
  private at = 0;
  rows = 0;

  constructor() {
    const head = new Uint8Array(19);
    head.set([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00]); // PGCOPY\n\377\r\n\0, then flags and extension length 0
    this.chunks.push(head);
  }

  /** A pair and its earliest time (ms; a time not known, Infinity, is NULL). */
  add(student: number, lesson: number, ms: number): void {
    const v = this.view;
    const o = this.at;
    // An int8 as two 32-bit halves (two's complement: the floor of x / 2^32, then the rest): exact for every safe integer.
    const sh = Math.floor(student / 4294967296);
    const lh = Math.floor(lesson / 4294967296);
    v.setInt16(o, 3);
    v.setInt32(o + 2, 8);
    v.setInt32(o + 6, sh);
    v.setUint32(o + 10, student - sh * 4294967296);
    v.setInt32(o + 14, 8);
    v.setInt32(o + 18, lh);
    v.setUint32(o + 22, lesson - lh * 4294967296);
    if (Number.isFinite(ms)) {
      // Microseconds from 2000: below 2^53 for any date before the year 2255, so exact.
      const us = (ms - PG_EPOCH_MS) * 1000;
      const uh = Math.floor(us / 4294967296);
      v.setInt32(o + 26, 8);
      v.setInt32(o + 30, uh);
      v.setUint32(o + 34, us - uh * 4294967296);
    } else {
      v.setInt32(o + 26, -1); // NULL: a length of -1 and no bytes after it
    }
    this.at = o + (Number.isFinite(ms) ? PAIR_ROW_BYTES : PAIR_ROW_BYTES - 8);
    this.rows++;
    if (this.at + PAIR_ROW_BYTES > this.buf.byteLength) {
      this.chunks.push(new Uint8Array(this.buf, 0, this.at));
      this.buf = new ArrayBuffer(PAIR_ROWS * PAIR_ROW_BYTES);
      this.view = new DataView(this.buf);
      this.at = 0;
    }
  }

  end(): Uint8Array[] {
    if (this.at > 0) this.chunks.push(new Uint8Array(this.buf, 0, this.at));
    this.chunks.push(new Uint8Array([0xff, 0xff]));
    return this.chunks;
  }
}

/** The distinct pairs (ascending) with their times in COPY's binary format: forEach pushes every pair, gathered first (38 bytes a pair), then written with back-pressure. */
export function completionChunks(set: CompletionSet): Uint8Array[] {
  const out = new BinaryPairs();
  set.forEach((s, l, ms) => out.add(s, l, ms));
  return out.end();
}

/** Pairs given as three parallel arrays, in COPY's binary format. */
export function pairChunks(s: Float64Array, l: Float64Array, t: Float64Array): Uint8Array[] {
  const out = new BinaryPairs();
  for (let i = 0; i < s.length; i++) out.add(s[i]!, l[i]!, t[i]!);
  return out.end();
}
