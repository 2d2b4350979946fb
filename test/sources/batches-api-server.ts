// A scripted HTTP server on 127.0.0.1 for the BatchesApi tests: the n-th request gets the n-th
// answer (the last one repeats), and every request is recorded with its URL, headers and time.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExecutionContext } from 'ava';

export type Answer = (req: IncomingMessage, res: ServerResponse) => void;

export interface Seen {
  url: string;
  headers: IncomingMessage['headers'];
  at: number;
}

export interface Scripted {
  url: string;
  seen: Seen[];
}

export async function scriptedServer(t: ExecutionContext, answers: Answer[]): Promise<Scripted> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers, at: Date.now() });
    const answer = answers[Math.min(seen.length - 1, answers.length - 1)]!;
    answer(req, res);
  });
  return { url: await listenLoopback(t, server), seen };
}

/** Listens on a free port of 127.0.0.1 until the test ends; returns the base URL. */
export async function listenLoopback(t: ExecutionContext, server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Answer =>
  (_req, res) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(text);
  };

export const page = (batches: unknown[], hasMore = false): Answer => json(200, { batches, has_more: hasMore });

/** Never answers (the socket stays open until the client gives up). */
export const silent: Answer = () => {};

/** Closes the connection without an answer. */
export const hangUp: Answer = (req) => {
  req.socket.destroy();
};

export const BATCH = { id: 7, name: 'nyc-web-040124', start_date: '2024-04-01', created_at: '2024-03-02T10:00:00.000Z' };

/** Retries that do not slow the tests: 5-20 ms backoff. */
export const QUICK = { initialMs: 5, maxMs: 20, limit: 3 };
