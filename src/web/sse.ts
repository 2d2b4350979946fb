// Server-sent event streams, the same for every live page (the leaderboard, a batch, the operator
// panel): a HEAD is answered with the headers alone (Node sends nothing for a HEAD until the end, so
// a stream left open would hang it); a comment every 15 s finds a client gone without a word (a
// laptop asleep, a dropped NAT entry: the write fails and the stream closes); a client that stopped
// reading is cut off once a megabyte waits for it, instead of the server buffering for it without
// end (its page's EventSource reconnects and starts from the whole state again).
import type http from 'node:http';

const MAX_BUFFERED = 1 << 20;
const PING_MS = 15_000;

/** Opens `res` as an event stream; false for a HEAD, answered and ended. */
export function openStream(res: http.ServerResponse, headers: Record<string, string>): boolean {
  res.writeHead(200, { ...headers, 'Content-Type': 'text/event-stream', Connection: 'keep-alive' });
  if (res.req.method === 'HEAD') {
    res.end();
    return false;
  }
  const ping = setInterval(() => push(res, ': ping\n\n'), PING_MS);
  ping.unref();
  res.once('close', () => clearInterval(ping));
  return true;
}

/** Writes an event (or comment) to an open stream; ends one whose client stopped reading. */
export function push(res: http.ServerResponse, msg: string): void {
  if (res.writableEnded || res.destroyed) return;
  if (res.writableLength > MAX_BUFFERED) return void res.destroy();
  res.write(msg);
}
