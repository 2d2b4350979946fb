// The operator panel's routes: /operator (HTML), /operator.json, /operator/events (the panel's live
// stream: a snapshot of the actors every second while it changes, and at each lifecycle event),
// and POST /api/restart/<Actor>, the one request that changes anything.
//
// The restart is guarded against other web pages as well as other people: POST only (a link or an
// <img> cannot send it), a per-run token in a header (a form cannot set a header, and a script of
// another origin that tries must ask a CORS preflight, which is refused: no Access-Control-* header
// is ever sent), a request whose Origin is not this server refused too; the access token, when
// the server has one, is checked before anything else (server.ts). The token is compared in
// constant time and never appears in any answer.
import type http from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { actorRow, eventRow, operatorPage } from './operator-page.ts';
import type { PipelineView } from './pipeline-view.ts';
import { openStream, push } from './sse.ts';

type Send = (res: http.ServerResponse, status: number, type: string, body: string | Buffer, extra?: Record<string, string>) => void;

export const RESTART_HEADER = 'X-Batchboard-Restart-Token';
const ROUTES = new Set(['/operator', '/operator.json', '/operator/events']);
const RESTART = /^\/api\/restart\/([^/]*)$/;
/** How often open panels get a snapshot (only when it changed); actors' counters come once a heartbeat. */
const SNAPSHOT_MS = 1000;
const JSON_TYPE = 'application/json; charset=utf-8';

export interface OperatorOptions {
  /** The server's security headers, for the event stream written here. */
  headers: Record<string, string>;
  send: Send;
  warehouse: string;
  /** `?token=...` when the server has an access token, for the page's links; else ''. */
  query: string;
  /** The per-run restart token; none under `serve`. */
  restartToken?: string;
}

export class OperatorRoutes {
  private pipeline: PipelineView | null = null;
  private unsubscribe: (() => void) | null = null;
  private readonly clients = new Set<http.ServerResponse>();
  private timer: NodeJS.Timeout | null = null;
  private last = '';

  constructor(private readonly o: OperatorOptions) {}

  /** The running pipeline's supervisor, once it exists (before its actors start). */
  attach(pipeline: PipelineView): void {
    this.pipeline = pipeline;
    this.unsubscribe = pipeline.subscribe((e) => {
      const msg = `event: lifecycle\ndata: ${JSON.stringify(eventRow(e))}\n\n`;
      for (const c of this.clients) push(c, msg);
      this.snapshot();
    });
  }

  /** Whether `pathname` is one of these routes (any method: the handler answers 405 itself). */
  owns(pathname: string): boolean {
    return ROUTES.has(pathname) || pathname.startsWith('/api/');
  }

  async handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const restart = RESTART.exec(url.pathname);
    if (restart !== null) return this.restart(req, res, decodeURIComponent(restart[1]!));
    if (url.pathname.startsWith('/api/')) return this.error(res, 404, `no such API: ${url.pathname} (there is POST /api/restart/<actor>)`);
    if (req.method !== 'GET' && req.method !== 'HEAD') return this.o.send(res, 405, 'text/plain; charset=utf-8', 'only GET here\n', { Allow: 'GET, HEAD' });
    switch (url.pathname) {
      case '/operator':
        return this.o.send(res, 200, 'text/html; charset=utf-8', operatorPage(this.view(), { warehouse: this.o.warehouse, query: this.o.query }));
      case '/operator.json':
        return this.o.send(res, 200, JSON_TYPE, JSON.stringify({ pipeline: this.pipeline !== null, ...this.view() }));
      default:
        return this.subscribe(res);
    }
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.unsubscribe?.();
    for (const c of this.clients) c.end();
    this.clients.clear();
  }

  private view(): { actors: ReturnType<typeof actorRow>[]; events: ReturnType<typeof eventRow>[] } | null {
    if (this.pipeline === null) return null;
    return { actors: this.pipeline.status().map(actorRow), events: this.pipeline.recent.map(eventRow) };
  }

  private subscribe(res: http.ServerResponse): void {
    if (!openStream(res, this.o.headers)) return;
    const v = this.view();
    push(res, `retry: 1000\nevent: status\ndata: ${JSON.stringify({ pipeline: v !== null, ...v })}\n\n`);
    this.clients.add(res);
    res.on('close', () => {
      this.clients.delete(res);
      if (this.clients.size === 0 && this.timer !== null) {
        clearInterval(this.timer);
        this.timer = null;
      }
    });
    if (this.pipeline !== null && this.timer === null) this.timer = setInterval(() => this.snapshot(), SNAPSHOT_MS);
  }

  /** The actors to every open panel, when they differ from what was sent last. */
  private snapshot(): void {
    if (this.clients.size === 0) return;
    const v = this.view();
    const data = JSON.stringify({ pipeline: v !== null, actors: v?.actors ?? [] });
    if (data === this.last) return;
    this.last = data;
    for (const c of this.clients) push(c, `event: status\ndata: ${data}\n\n`);
  }

  private async restart(req: http.IncomingMessage, res: http.ServerResponse, name: string): Promise<void> {
    if (req.method !== 'POST') return this.error(res, 405, 'a restart is POST only', { Allow: 'POST' });
    const origin = req.headers.origin;
    if (origin !== undefined && hostOf(origin) !== req.headers.host) return this.error(res, 403, `refused: a restart from another origin (${origin})`);
    if (this.pipeline === null || this.o.restartToken === undefined) {
      return this.error(res, 404, 'no pipeline runs in this server (batchboard serve only reads the warehouse): nothing to restart');
    }
    const given = req.headers[RESTART_HEADER.toLowerCase()];
    if (typeof given !== 'string' || given === '') {
      return this.error(res, 403, `refused: the restart token is required in the ${RESTART_HEADER} header (printed with the URL as "operator token: ...")`);
    }
    if (!same(given, this.o.restartToken)) return this.error(res, 403, 'refused: wrong restart token (the one printed with the URL as "operator token: ...")');
    const names = this.pipeline.supervisor.names;
    if (!names.includes(name)) return this.error(res, 404, `no actor named ${JSON.stringify(name)}; actors: ${names.join(', ')}`);
    try {
      await this.pipeline.supervisor.restart(name);
    } catch (err) {
      return this.error(res, 503, `${name} was not restarted: ${(err as Error).message}`);
    }
    const actor = this.pipeline.status().find((a) => a.name === name)!;
    this.o.send(res, 200, JSON_TYPE, JSON.stringify({ restarted: name, actor: actorRow(actor) }));
  }

  private error(res: http.ServerResponse, status: number, message: string, extra: Record<string, string> = {}): void {
    this.o.send(res, status, JSON_TYPE, JSON.stringify({ error: message }), extra);
  }
}

function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
