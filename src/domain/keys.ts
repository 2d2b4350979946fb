// The keys that make a rejected record the same one when it is seen again (rejected_records.key).
// Streaming and `rebuild` use these same functions, so both store a bad record under one key.
import { createHash } from 'node:crypto';

const digest = (text: string): string => createHash('sha1').update(text).digest('base64url').slice(0, 16);

/** A batch entry is re-served on every re-read of its window: the same JSON is the same rejection. */
export function batchRejectKey(raw: string): string {
  return digest(raw);
}

/** A source students row is one rejection per row id (exact: an id past 2^53 comes as a bigint). */
export function studentRejectKey(id: number | bigint): string {
  return String(id);
}

/**
 * A bad line is one rejection per place in the log: the file (device:inode), the byte position of
 * the line's start, and its text (after a truncation, another line can start at that position).
 */
export function lineRejectKey(dev: number, ino: number, pos: number, line: string): string {
  return `${dev}:${ino}@${pos}#${digest(line)}`;
}
