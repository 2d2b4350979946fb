// The batches REST API of CONTRACTS §1 on 127.0.0.1, with the response-level hard cases: 429,
// 5xx, slow answers, a 200 that is not JSON or not of the shape, a reset connection. Faults are
// drawn per request at the configured rates, or queued on demand with `nextResponses`.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import type { BatchStore } from './batch-store.ts';
import { errors } from './errors.ts';
import type { FaultRates } from './faults.ts';
import type { Rng } from './rng.ts';

export type ApiFault =
  | { type: '429'; retryAfterSec?: number }
  | { type: '5xx'; status?: 500 | 502 | 503 }
  | { type: 'slow'; delayMs?: number }
  | { type: 'not-json' }
  | { type: 'wrong-shape' }
  /** `hang-up`: closed before any answer; `rst`: a TCP reset; `mid-body`: a 200 cut off halfway. */
  | { type: 'reset'; how?: ResetKind };

export const RESET_KINDS = ['hang-up', 'rst', 'mid-body'] as const;
export type ResetKind = (typeof RESET_KINDS)[number];

export interface ApiStats {
  requests: number;
  byStatus: Record<string, number>;
  faults: Record<ApiFault['type'], number>;
  /** Batch entries in 200 pages (a batch on two pages counts twice). */
  batchesServed: number;
}

export interface ApiServerOptions {
  port: number;
  token: string | undefined;
  store: BatchStore;
  rng: Rng;
  faults: FaultRates;
  slowMs: number;
  retryAfterSec: number;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const PARAMS = new Set(['after', 'after_id', 'limit']);
const RANDOM_FAULTS = [
  ['http-429', '429'],
  ['http-5xx', '5xx'],
  ['slow', 'slow'],
  ['not-json', 'not-json'],
  ['wrong-shape', 'wrong-shape'],
  ['resets', 'reset'],
] as const;

class BadRequest extends Error {}

interface Query {
  afterMs: number | null;
  afterId: number | null;
  limit: number;
}

function parseQuery(q: URLSearchParams): Query {
  for (const key of new Set(q.keys())) {
    if (!PARAMS.has(key)) throw new BadRequest(`unknown query parameter '${key}'; known: after, after_id, limit`);
    if (q.getAll(key).length > 1) throw new BadRequest(`query parameter '${key}' given more than once`);
  }
  const after = q.get('after');
  const afterIdRaw = q.get('after_id');
  const limitRaw = q.get('limit');
  let afterMs: number | null = null;
  if (after !== null) {
    afterMs = TIMESTAMP.test(after) ? Date.parse(after) : Number.NaN;
    if (Number.isNaN(afterMs) || new Date(afterMs).toISOString() !== after) {
      throw new BadRequest(`'after' must be a timestamp YYYY-MM-DDTHH:MM:SS.sssZ, got '${after}'`);
    }
  }
  let afterId: number | null = null;
  if (afterIdRaw !== null) {
    if (after === null) throw new BadRequest("'after_id' is only allowed together with 'after'");
    afterId = /^[1-9]\d{0,15}$/.test(afterIdRaw) ? Number(afterIdRaw) : Number.NaN;
    if (!Number.isSafeInteger(afterId)) throw new BadRequest(`'after_id' must be a positive integer, got '${afterIdRaw}'`);
  }
  let limit = 100;
  if (limitRaw !== null) {
    limit = /^\d{1,4}$/.test(limitRaw) ? Number(limitRaw) : Number.NaN;
    if (!(limit >= 1 && limit <= 100)) throw new BadRequest(`'limit' must be an integer from 1 to 100, got '${limitRaw}'`);
  }
  return { afterMs, afterId, limit };
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

function sendError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  send(res, status, JSON.stringify({ error: message }), headers);
}

export class ApiServer {
  readonly stats: ApiStats = {
    requests: 0,
    byStatus: {},
    faults: { '429': 0, '5xx': 0, 'slow': 0, 'not-json': 0, 'wrong-shape': 0, 'reset': 0 },
    batchesServed: 0,
  };
  private readonly queued: ApiFault[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly token: Buffer | null;
  private closed: Promise<void> | null = null;

  private constructor(
    private readonly server: Server,
    private readonly o: ApiServerOptions,
  ) {
    this.token = o.token === undefined ? null : Buffer.from(`Bearer ${o.token}`);
    server.on('request', (req, res) => {
      try {
        this.handle(req, res);
      } catch (err) {
        // A bug here must cost one answer, never the source: the API keeps serving.
        if (!res.headersSent) sendError(res, 400, `bad request: ${(err as Error).message}`);
        else res.destroy();
      }
    });
  }

  static async start(o: ApiServerOptions): Promise<ApiServer> {
    const server = createServer({ keepAliveTimeout: 5_000 });
    const api = new ApiServer(server, o);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(errors.cannotListen(o.port, err)));
      server.listen({ port: o.port, host: '127.0.0.1' }, () => resolve());
    });
    return api;
  }

  /** The base URL `<api>` of CONTRACTS §1, e.g. http://127.0.0.1:4010 (no trailing slash). */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The next requests to /batches (that pass the token and parameter checks) get these answers, in order. */
  nextResponses(faults: readonly ApiFault[]): void {
    this.queued.push(...faults);
  }

  private count(res: ServerResponse): void {
    res.once('finish', () => {
      this.stats.byStatus[res.statusCode] = (this.stats.byStatus[res.statusCode] ?? 0) + 1;
    });
  }

  private authorized(req: IncomingMessage): boolean {
    if (this.token === null) return true;
    const got = Buffer.from(req.headers.authorization ?? '');
    return got.length === this.token.length && timingSafeEqual(got, this.token);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.stats.requests++;
    this.count(res);
    // Split the request target by hand: `new URL('//host/batches', base)` would read `host` as an
    // authority and answer a request for another path.
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const path = q < 0 ? target : target.slice(0, q);
    if (!this.authorized(req)) {
      return sendError(res, 401, 'missing or wrong bearer token', { 'WWW-Authenticate': 'Bearer' });
    }
    if (path !== '/batches') return sendError(res, 404, `no such path '${path}'; the API serves GET /batches`);
    if (req.method !== 'GET') return sendError(res, 405, `method ${req.method} not allowed; use GET`, { Allow: 'GET' });
    let query;
    try {
      query = parseQuery(new URLSearchParams(q < 0 ? '' : target.slice(q + 1)));
    } catch (err) {
      if (err instanceof BadRequest) return sendError(res, 400, err.message);
      throw err;
    }
    const fault = this.queued.shift() ?? this.randomFault();
    if (fault !== null) this.stats.faults[fault.type]++;
    switch (fault?.type) {
      case undefined:
        return this.sendPage(res, query);
      case '429': {
        const s = fault.retryAfterSec ?? this.o.retryAfterSec;
        return sendError(res, 429, 'too many requests', { 'Retry-After': String(s) });
      }
      case '5xx': {
        const status = fault.status ?? this.o.rng.pick([500, 502, 503] as const);
        if (status === 502) {
          res.writeHead(502, { 'Content-Type': 'text/html' });
          return void res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
        }
        return sendError(res, status, status === 503 ? 'service unavailable' : 'internal server error');
      }
      case 'slow': {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          if (!res.destroyed) this.sendPage(res, query);
        }, fault.delayMs ?? this.o.slowMs);
        this.timers.add(timer);
        return;
      }
      case 'not-json': {
        // Both lie in their Content-Type, as broken upstreams do.
        const body = this.o.rng.chance(0.5) ? '<html><body>Service temporarily unavailable</body></html>' : '{"batches": [{"id": 1, "name": "nyc-we';
        return send(res, 200, body);
      }
      case 'wrong-shape': {
        // The last one passes a truthiness check on has_more and loops a careless client forever.
        const bodies = ['{"data": [], "next": null}', '{"batches": null, "has_more": false}', '{"batches": []}', '[]', '{"batches": [], "has_more": "false"}'];
        return send(res, 200, this.o.rng.pick(bodies));
      }
      case 'reset':
        return this.reset(req, res, fault.how ?? this.o.rng.pick(RESET_KINDS), query);
      default: {
        const never: never = fault;
        throw new Error(`unknown fault ${JSON.stringify(never)}`);
      }
    }
  }

  private randomFault(): ApiFault | null {
    for (const [name, type] of RANDOM_FAULTS) {
      if (this.o.faults[name] > 0 && this.o.rng.chance(this.o.faults[name])) return { type } as ApiFault;
    }
    return null;
  }

  private reset(req: IncomingMessage, res: ServerResponse, how: ResetKind, query: Query): void {
    switch (how) {
      case 'hang-up':
        req.socket.destroy();
        return;
      case 'rst':
        req.socket.resetAndDestroy();
        return;
      case 'mid-body': {
        // The status line and a Content-Length promise a whole page; half of it arrives.
        const { body } = this.pageBody(query);
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) });
        res.write(body.slice(0, Math.floor(body.length / 2)), () => req.socket.destroy());
        return;
      }
      default: {
        const never: never = how;
        throw new Error(`unknown reset ${String(never)}`);
      }
    }
  }

  private pageBody(query: Query): { body: string; count: number } {
    const { items, hasMore } = this.o.store.page(query.afterMs, query.afterId, query.limit);
    let body = '{"batches":[';
    for (let i = 0; i < items.length; i++) body += (i === 0 ? '' : ',') + items[i]!.json;
    return { body: `${body}],"has_more":${hasMore}}`, count: items.length };
  }

  private sendPage(res: ServerResponse, query: Query): void {
    const { body, count } = this.pageBody(query);
    this.stats.batchesServed += count;
    send(res, 200, body);
  }

  close(): Promise<void> {
    if (this.closed === null) {
      for (const t of this.timers) clearTimeout(t);
      this.timers.clear();
      this.closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      this.server.closeAllConnections();
    }
    return this.closed;
  }
}
