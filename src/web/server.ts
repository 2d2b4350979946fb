// `batchboard serve`: the live leaderboard over any warehouse, read-only (CONTRACTS §5). It holds a
// reader, never a writer. One loop reads the leaderboard every `pollMs` while a page listens and
// sends each open page (server-sent events) the batches that changed, so that a commit shows on
// every page within a poll and a render; a page's own filters and sorting run in the page.
//
// Security: it binds loopback unless told otherwise (the command refuses another address without
// an access token); with a token every request must carry it (the Authorization header, or
// ?token= for a browser's first visit); every response carries a strict Content-Security-Policy
// (scripts and styles from this server only, no inline script); every asset is served from here.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { timingSafeEqual } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { openReader, type Reading } from '../storage/reader.ts';
import type { BoardRow } from '../storage/board.ts';
import { withoutCredentials } from '../domain/identity.ts';
import { boardPage, SORT_KEYS, tq, type BoardView, type SortKey } from './page.ts';
import { OperatorRoutes } from './operator.ts';
import { Metrics } from './metrics.ts';
import type { PipelineView } from './pipeline-view.ts';
import { BatchRoutes } from './batch-routes.ts';
import { openStream, push } from './sse.ts';

export interface WebOptions {
  warehouse: string;
  host: string;
  /** 0: any free port. */
  port: number;
  /** Every request must carry it (required by the command for an address other than loopback). */
  token?: string;
  /** How often the leaderboard is read while a page listens (default 100 ms). */
  pollMs?: number;
  /** Problems reading the warehouse, for the log. */
  onError?: (err: Error) => void;
  /** The per-run token a hot restart needs (operator.ts); given when a pipeline runs beside the server. */
  restartToken?: string;
}

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
const HEADERS = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

const STATIC: Record<string, { file: string; type: string }> = {
  '/static/live.js': { file: 'live.js', type: 'text/javascript; charset=utf-8' },
  '/static/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/static/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
  '/static/operator.js': { file: 'operator.js', type: 'text/javascript; charset=utf-8' },
};

function loadStatic(file: string): Buffer {
  return readFileSync(fileURLToPath(new URL(`./static/${file}`, import.meta.url)));
}

export class WebServer {
  private readonly clients = new Set<http.ServerResponse>();
  private rows = new Map<number, string>();
  private version = 0;
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  private closed = false;
  private readonly assets = new Map<string, Buffer>();
  private readonly batches: BatchRoutes;
  private readonly operator: OperatorRoutes;
  private metrics: Metrics;

  private constructor(
    private readonly o: WebOptions,
    private readonly reader: Reading,
    private readonly server: http.Server,
  ) {
    this.batches = new BatchRoutes({ reader, headers: HEADERS, send: (...a) => this.send(...a), ...(o.token === undefined ? {} : { token: o.token }), ...(o.pollMs === undefined ? {} : { pollMs: o.pollMs }), ...(o.onError === undefined ? {} : { onError: o.onError }) });
    this.operator = new OperatorRoutes({
      headers: HEADERS,
      send: (...a) => this.send(...a),
      warehouse: withoutCredentials(o.warehouse),
      query: tq(o.token),
      ...(o.restartToken === undefined ? {} : { restartToken: o.restartToken }),
    });
    this.metrics = new Metrics(() => reader.board(), null);
  }

  /** The pipeline running beside the server (start --http, the demo): the operator panel and its metrics. */
  attachPipeline(pipeline: PipelineView): void {
    this.operator.attach(pipeline);
    this.metrics = new Metrics(() => this.reader.board(), pipeline);
  }

  /** Opens the warehouse read-only (a WarehouseError when it cannot be read) and listens. */
  static async start(o: WebOptions): Promise<WebServer> {
    const reader = await openReader(o.warehouse);
    const server = http.createServer();
    const w = new WebServer(o, reader, server);
    for (const [path, s] of Object.entries(STATIC)) w.assets.set(path, loadStatic(s.file));
    server.on('request', (req, res) => {
      // Nothing a request does may end the process (under start --http it is the pipeline's).
      w.handle(req, res).catch((err: Error) => {
        o.onError?.(err);
        if (!res.headersSent) w.send(res, 500, 'text/plain; charset=utf-8', `the request failed: ${err.message}\n`);
        else res.destroy();
      });
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(o.port, o.host, () => resolve());
      });
    } catch (err) {
      await reader.close();
      throw err;
    }
    return w;
  }

  /** The page's address (with the token, when there is one: the link to open). */
  get url(): string {
    const a = this.server.address() as { address: string; port: number; family: string };
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return `http://${host}:${a.port}/${this.o.token === undefined ? '' : `?token=${encodeURIComponent(this.o.token)}`}`;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.batches.close();
    this.operator.close();
    for (const c of this.clients) c.end();
    this.clients.clear();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
    await this.reader.close();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      // `GET //` and the like: no URL the page has.
      return this.send(res, 400, 'text/plain; charset=utf-8', 'not a request target this server knows\n');
    }
    if (!this.hostAllowed(req)) {
      return this.send(res, 403, 'text/plain; charset=utf-8', 'this server answers to localhost, 127.0.0.1 and [::1] only, or to any name with its access token (--http-token)\n');
    }
    if (!this.allowed(req, url)) return this.send(res, 401, 'text/plain; charset=utf-8', 'a valid access token is required (?token= or Authorization: Bearer)\n');
    // The operator's routes answer their methods themselves: the restart is POST only.
    if (this.operator.owns(url.pathname)) {
      return this.operator.handle(req, res, url).catch((err: Error) => this.send(res, 500, 'text/plain; charset=utf-8', `the operator panel failed: ${err.message}\n`));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return this.send(res, 405, 'text/plain; charset=utf-8', 'only GET here\n', { Allow: 'GET, HEAD' });
    try {
      const asset = STATIC[url.pathname];
      if (asset !== undefined) return this.send(res, 200, asset.type, this.assets.get(url.pathname)!);
      if (await this.batches.handle(res, url)) return;
      switch (url.pathname) {
        case '/':
          return this.send(res, 200, 'text/html; charset=utf-8', boardPage(await this.reader.board(), viewOf(url), { warehouse: withoutCredentials(this.o.warehouse), ...(this.o.token === undefined ? {} : { token: this.o.token }) }));
        case '/board.json':
          return this.send(res, 200, 'application/json', JSON.stringify(ranked(await this.reader.board())));
        case '/events':
          return await this.subscribe(res);
        case '/metrics':
          return this.send(res, 200, this.metrics.contentType, await this.metrics.text());
        case '/favicon.ico':
          // Asked for by every browser: no icon, and no error in its console either.
          res.writeHead(204, HEADERS);
          return void res.end();
        default:
          return this.send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
      }
    } catch (err) {
      this.o.onError?.(err as Error);
      return this.send(res, 503, 'text/plain; charset=utf-8', `the warehouse cannot be read now: ${(err as Error).message}\n`);
    }
  }

  /**
   * Without an access token the server is loopback's alone, and a page of another site must not
   * read it by pointing a name of its own at 127.0.0.1 (DNS rebinding): the Host header must name
   * loopback. With a token, the token decides.
   */
  private hostAllowed(req: http.IncomingMessage): boolean {
    if (this.o.token !== undefined) return true;
    const host = (req.headers.host ?? '').toLowerCase();
    const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d*$/, '');
    return name === 'localhost' || name === '127.0.0.1' || name === '[::1]';
  }

  private allowed(req: http.IncomingMessage, url: URL): boolean {
    const want = this.o.token;
    if (want === undefined) return true;
    const auth = req.headers.authorization;
    const given = auth?.startsWith('Bearer ') ? auth.slice(7) : url.searchParams.get('token');
    if (given === null || given === undefined) return false;
    const a = Buffer.from(given);
    const b = Buffer.from(want);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  send(res: http.ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
    res.writeHead(status, { ...HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...extra });
    res.end(res.req.method === 'HEAD' ? undefined : body);
  }

  /** A page's live stream: the whole leaderboard first, then what changed, at each change. */
  private async subscribe(res: http.ServerResponse): Promise<void> {
    // Watched from the start: a page gone while the board is read (a wait on PostgreSQL) is not kept.
    let gone = false;
    res.once('close', () => {
      gone = true;
      this.clients.delete(res);
    });
    const rows = await this.reader.board();
    if (gone || this.closed) return void res.end();
    if (!openStream(res, HEADERS)) return;
    if (this.clients.size === 0) this.remember(rows);
    push(res, `retry: 1000\nevent: board\ndata: ${JSON.stringify({ version: this.version, rows })}\n\n`);
    this.clients.add(res);
    this.schedule();
  }

  /** Keeps `rows` as the last state sent; returns what changed since the one before. */
  private remember(rows: readonly BoardRow[]): { changed: BoardRow[]; removed: number[] } {
    const next = new Map<number, string>();
    const changed: BoardRow[] = [];
    for (const r of rows) {
      const s = JSON.stringify(r);
      next.set(r.id, s);
      if (this.rows.get(r.id) !== s) changed.push(r);
    }
    const removed = [...this.rows.keys()].filter((id) => !next.has(id));
    this.rows = next;
    if (changed.length + removed.length > 0) this.version++;
    return { changed, removed };
  }

  private schedule(): void {
    if (this.timer !== null || this.polling || this.closed) return;
    this.timer = setTimeout(() => void this.poll(), this.o.pollMs ?? 100);
  }

  private async poll(): Promise<void> {
    this.timer = null;
    if (this.clients.size === 0 || this.closed) return;
    // One poll at a time: a page arriving while this one reads schedules nothing of its own.
    this.polling = true;
    try {
      const { changed, removed } = this.remember(await this.reader.board());
      if (changed.length + removed.length > 0) {
        const msg = `event: changes\ndata: ${JSON.stringify({ version: this.version, rows: changed, removed })}\n\n`;
        for (const c of this.clients) push(c, msg);
      }
    } catch (err) {
      this.o.onError?.(err as Error);
    } finally {
      this.polling = false;
    }
    this.schedule();
  }
}

/** The leaderboard with ranks, as /board.json gives it. */
function ranked(rows: readonly BoardRow[]): (BoardRow & { rank: number })[] {
  return rows.map((r, i) => ({ rank: i + 1, ...r }));
}

function viewOf(url: URL): BoardView {
  const sort = url.searchParams.get('sort');
  const since = url.searchParams.get('since');
  return {
    ...(url.searchParams.get('q') ? { q: url.searchParams.get('q')! } : {}),
    ...(since !== null && /^\d{4}-\d{2}-\d{2}$/.test(since) ? { since } : {}),
    ...(sort !== null && (SORT_KEYS as readonly string[]).includes(sort) ? { sort: sort as SortKey } : {}),
  };
}
