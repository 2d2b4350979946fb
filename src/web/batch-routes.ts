// The batch pages of `batchboard serve`: /batch/<id> (HTML), /batch/<id>.json, /batch/<id>.csv and
// /batch/<id>/events (the page's live stream), plus the page's script and uPlot, served from here.
//
// Live, with a bounded cost: a batch's detail is read only while some page listens to it (as the
// page itself or as its comparison), once per poll whatever the number of pages on it, and the
// next poll is scheduled only after the reads of this one end, so a slow warehouse slows the
// pages rather than piling up reads. A page is sent a batch's data first whole, then whenever it
// differs from what was sent last.
import type http from 'node:http';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Reading } from '../storage/reader.ts';
import { batchCsv, batchData } from './batch-data.ts';
import { batchPage, notFoundPage } from './batch-page.ts';
import { openStream, push } from './sse.ts';

type Send = (res: http.ServerResponse, status: number, type: string, body: string | Buffer, extra?: Record<string, string>) => void;

export interface BatchRoutesOptions {
  reader: Reading;
  /** The server's security headers, for the event stream it writes itself. */
  headers: Record<string, string>;
  send: Send;
  token?: string;
  /** How often a listened-to batch is read (the server's pollMs). */
  pollMs?: number;
  onError?: (err: Error) => void;
}

/** How many batches the page's comparison list offers (the leaderboard's first); ?compare= takes any id. */
const CHOICES = 100;

const ROUTE = /^\/batch\/([1-9][0-9]{0,15})(\.json|\.csv|\/events)?$/;

const require = createRequire(import.meta.url);

/**
 * The assets, read once. uPlot comes from its npm package as installed (resolved like an import,
 * from src/ under tsx or dist/ when built), not from a copy the build makes: the build's stamp
 * watches src/, not node_modules/, so a copy could outlive an upgrade of the package.
 */
function loadAssets(): Map<string, { type: string; body: Buffer }> {
  const js = 'text/javascript; charset=utf-8';
  return new Map([
    ['/static/batch.js', { type: js, body: readFileSync(fileURLToPath(new URL('./static/batch.js', import.meta.url))) }],
    ['/static/uPlot.iife.min.js', { type: js, body: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js')) }],
    ['/static/uPlot.min.css', { type: 'text/css; charset=utf-8', body: readFileSync(require.resolve('uplot/dist/uPlot.min.css')) }],
  ]);
}

interface Feed {
  pages: Set<http.ServerResponse>;
  /** The data last sent (JSON), to send only what changed. */
  last: string | null;
}

export class BatchRoutes {
  private readonly assets = loadAssets();
  private readonly feeds = new Map<number, Feed>();
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  private closed = false;

  constructor(private readonly o: BatchRoutesOptions) {}

  /** Answers `url` when it is one of these routes; false when it is not. */
  async handle(res: http.ServerResponse, url: URL): Promise<boolean> {
    const asset = this.assets.get(url.pathname);
    if (asset !== undefined) {
      this.o.send(res, 200, asset.type, asset.body);
      return true;
    }
    if (!url.pathname.startsWith('/batch/')) return false;
    const m = ROUTE.exec(url.pathname);
    const id = m === null ? NaN : Number(m[1]);
    if (!Number.isSafeInteger(id)) {
      this.o.send(res, 404, 'text/html; charset=utf-8', notFoundPage(`No page at ${url.pathname}: a batch's page is /batch/<id>.`, this.o.token));
      return true;
    }
    const kind = m![2];
    if (kind === '/events') {
      await this.subscribe(res, [id, ...compareOf(url, id)]);
      return true;
    }
    const detail = await this.o.reader.batchDetail(id);
    if (detail === null) {
      const why = `No batch ${id} in this warehouse: neither the API nor any student names it.`;
      if (kind === '.json') this.o.send(res, 404, 'application/json', JSON.stringify({ error: why }));
      else if (kind === '.csv') this.o.send(res, 404, 'text/plain; charset=utf-8', `${why}\n`);
      else this.o.send(res, 404, 'text/html; charset=utf-8', notFoundPage(why, this.o.token));
      return true;
    }
    switch (kind) {
      case '.json':
        this.o.send(res, 200, 'application/json', JSON.stringify(batchData(detail)));
        break;
      case '.csv':
        this.o.send(res, 200, 'text/csv; charset=utf-8; header=present', batchCsv(detail), { 'Content-Disposition': `attachment; filename="batch-${id}.csv"` });
        break;
      default: {
        const compare = compareOf(url, id)[0];
        const choices = await this.o.reader.leaderboard(CHOICES);
        const page = batchPage(detail, batchData(detail).daily, { choices, ...(compare === undefined ? {} : { compare }), ...(this.o.token === undefined ? {} : { token: this.o.token }) });
        this.o.send(res, 200, 'text/html; charset=utf-8', page);
      }
    }
    return true;
  }

  /** The batches read at each poll now: those some page listens to. */
  get watched(): number[] {
    return [...this.feeds.keys()];
  }

  close(): void {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    for (const f of this.feeds.values()) for (const p of f.pages) p.end();
    this.feeds.clear();
  }

  /** A page's stream: each batch's data now, then at each change. */
  private async subscribe(res: http.ServerResponse, ids: number[]): Promise<void> {
    // Watched from the start: a page gone while its first data is read must not be kept (and polled for).
    let gone = false;
    res.once('close', () => (gone = true));
    // One after the other: a PostgreSQL reader is one connection, whose queries must not interleave.
    const now: [number, string][] = [];
    for (const id of ids) now.push([id, await this.read(id)]);
    if (gone || this.closed) return void res.end();
    if (!openStream(res, this.o.headers)) return;
    push(res, 'retry: 1000\n\n');
    for (const [id, data] of now) {
      const feed = this.feeds.get(id) ?? { pages: new Set(), last: null };
      this.feeds.set(id, feed);
      // Those already listening get it too when it moved: `last` is what every page of it has.
      if (feed.last !== data) for (const p of feed.pages) push(p, event(data));
      feed.last = data;
      feed.pages.add(res);
      push(res, event(data));
    }
    res.on('close', () => {
      for (const id of ids) {
        const feed = this.feeds.get(id);
        feed?.pages.delete(res);
        if (feed?.pages.size === 0) this.feeds.delete(id);
      }
    });
    this.schedule();
  }

  /** A batch's data as sent: BatchData, or `{id, detail: null}` (no such batch, yet). */
  private async read(id: number): Promise<string> {
    const d = await this.o.reader.batchDetail(id);
    return JSON.stringify(d === null ? { id, detail: null } : batchData(d));
  }

  private schedule(): void {
    if (this.timer !== null || this.polling || this.closed || this.feeds.size === 0) return;
    this.timer = setTimeout(() => void this.poll(), this.o.pollMs ?? 100);
  }

  private async poll(): Promise<void> {
    this.timer = null;
    // One poll at a time: a page arriving while this one reads schedules nothing of its own.
    this.polling = true;
    try {
      for (const id of [...this.feeds.keys()]) {
        if (this.closed) return;
        try {
          const data = await this.read(id);
          const feed = this.feeds.get(id);
          if (feed === undefined || feed.last === data) continue;
          feed.last = data;
          for (const p of feed.pages) push(p, event(data));
        } catch (err) {
          this.o.onError?.(err as Error);
        }
      }
    } finally {
      this.polling = false;
    }
    this.schedule();
  }
}

const event = (data: string): string => `event: batch\ndata: ${data}\n\n`;

/** ?compare=<id>, when it names another batch. */
function compareOf(url: URL, id: number): number[] {
  const c = url.searchParams.get('compare');
  if (c === null || !/^[1-9][0-9]{0,15}$/.test(c)) return [];
  const n = Number(c);
  return Number.isSafeInteger(n) && n !== id ? [n] : [];
}
