// The HTTP client of the batches REST API (CONTRACTS §1): one page per call, with retries on the
// answers that say "try again" (429 honouring Retry-After, 5xx, timeouts, connection resets),
// exponential backoff with jitter. got does the HTTP; the retry loop is ours (got's own retry is
// off), because got gives up outright on a Retry-After longer than the request timeout, cannot count
// retries for `status`, and its backoff sleep does not watch the abort signal.
import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import got, { RequestError, TimeoutError } from 'got';
import { apiErrors } from './errors.ts';
import { apiBase, apiUrlProblem, withoutCredentials } from '../../domain/identity.ts';

const shownUrl = (url: URL): string => withoutCredentials(url.href);
import { parseJsonExact } from '../../domain/json-exact.ts';


export interface RetryOptions {
  /** First backoff; doubled each retry up to maxMs, jittered to [half, whole]. */
  initialMs: number;
  maxMs: number;
  /** Retries per page after the first attempt. */
  limit: number;
}

export interface RetryInfo {
  /** 1 for the first retry. */
  attempt: number;
  delayMs: number;
  /** What failed, without the token: "503", "no answer within 5000 ms", "ECONNRESET ...". */
  reason: string;
}

export interface BatchesApiOptions {
  /** The base URL `<api>`, e.g. http://127.0.0.1:4010; `/batches` is appended. */
  url: string;
  token?: string;
  /** Per request (one attempt), default 5000. */
  timeoutMs?: number;
  retry?: RetryOptions;
  /** Called before each backoff sleep: for counters and logs. */
  onRetry?: (info: RetryInfo) => void;
}

export interface PageQuery {
  after?: string;
  afterId?: number;
  limit?: number;
}

export interface Page {
  entries: unknown[];
  hasMore: boolean;
}

export const DEFAULT_TIMEOUT_MS = 5_000;
export const DEFAULT_RETRY: RetryOptions = { initialMs: 200, maxMs: 5_000, limit: 5 };
/**
 * A Retry-After is honoured up to this: an upstream asking for an hour (or a broken one sending a
 * date far off) must not silence the source for that long; after it the next attempt says again.
 */
export const MAX_RETRY_AFTER_MS = 300_000;
/** Of an error answer's body, this much goes into the message. */
const BODY_SNIPPET = 200;

type Attempt = { page: Page } | { retry: string; kind: 'status' | 'transport'; status?: number; code?: string; retryAfterMs?: number };

export class BatchesApi {
  /** The endpoint as shown in messages (no credentials). */
  readonly url: string;
  readonly retry: RetryOptions;
  private readonly endpoint: URL;
  private readonly timeoutMs: number;
  private readonly headers: Record<string, string>;
  private readonly token: string | undefined;
  private readonly onRetry: ((info: RetryInfo) => void) | undefined;
  // Our own keep-alive agents, so that close() can end the idle sockets instead of leaving them to
  // the process-wide agent.
  private readonly agent = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

  constructor(opts: BatchesApiOptions) {
    const problem = apiUrlProblem(opts.url);
    if (problem !== null) throw apiErrors.badUrl(problem);
    const base = new URL(apiBase(opts.url));
    base.pathname = `${apiBase(base.pathname)}/batches`;
    base.search = '';
    base.hash = '';
    this.endpoint = base;
    this.url = shownUrl(base);
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.retry = opts.retry ?? DEFAULT_RETRY;
    this.token = opts.token === '' ? undefined : opts.token;
    this.headers = { accept: 'application/json', ...(this.token === undefined ? {} : { authorization: `Bearer ${this.token}` }) };
    this.onRetry = opts.onRetry;
  }

  /**
   * One page of §1. Rejects with ApiError when the page cannot be had (see ApiErrorKind), or with
   * the signal's reason once `signal` aborts (also during a backoff sleep).
   */
  async fetchPage(q: PageQuery, signal?: AbortSignal): Promise<Page> {
    const url = this.pageUrl(q);
    const shown = shownUrl(url);
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw abortError(signal);
      const outcome = await this.attempt(url, shown, signal);
      if ('page' in outcome) return outcome.page;
      if (attempt >= this.retry.limit) throw apiErrors.gaveUp(shown, this.retry.limit, outcome.retry, outcome.kind, outcome.status, outcome.code);
      const backoff = this.backoffMs(attempt + 1);
      // Honoured as at least what was asked, plus jitter so that clients told the same do not
      // come back in step.
      const delayMs =
        outcome.retryAfterMs === undefined
          ? backoff
          : Math.min(outcome.retryAfterMs, MAX_RETRY_AFTER_MS) + Math.floor(Math.random() * this.retry.initialMs);
      this.onRetry?.({ attempt: attempt + 1, delayMs, reason: outcome.retry });
      try {
        await sleep(delayMs, undefined, signal === undefined ? {} : { signal });
      } catch (err) {
        throw signal?.aborted ? abortError(signal) : err;
      }
    }
  }

  /** The backoff before retry `attempt` (1-based): min(maxMs, initialMs·2^(attempt-1)), jittered to [half, whole]. */
  backoffMs(attempt: number): number {
    const full = Math.min(this.retry.maxMs, this.retry.initialMs * 2 ** (attempt - 1));
    return Math.floor(full / 2 + (Math.random() * full) / 2);
  }

  /** Ends idle keep-alive connections. */
  close(): void {
    this.agent.http.destroy();
    this.agent.https.destroy();
  }

  private pageUrl(q: PageQuery): URL {
    const url = new URL(this.endpoint.href);
    if (q.after !== undefined) url.searchParams.set('after', q.after);
    if (q.after !== undefined && q.afterId !== undefined) url.searchParams.set('after_id', String(q.afterId));
    if (q.limit !== undefined) url.searchParams.set('limit', String(q.limit));
    return url;
  }

  private async attempt(url: URL, shown: string, signal: AbortSignal | undefined): Promise<Attempt> {
    let res;
    try {
      res = await got(url, {
        headers: this.headers,
        agent: this.agent,
        timeout: { request: this.timeoutMs },
        retry: { limit: 0 },
        throwHttpErrors: false,
        followRedirect: false,
        responseType: 'text',
        ...(signal === undefined ? {} : { signal }),
      });
    } catch (err) {
      if (signal?.aborted) throw abortError(signal);
      const code = err instanceof RequestError ? err.code : undefined;
      return { retry: this.describe(err), kind: 'transport', ...(code === undefined ? {} : { code }) };
    }
    const status = res.statusCode;
    if (status === 200) return { page: parsePage(res.body, shown, (text) => this.scrub(text)) };
    if (status === 429 || status >= 500) {
      const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
      return { retry: `${status}${retryAfterMs === undefined ? '' : ` (Retry-After ${retryAfterMs} ms)`}`, kind: 'status', status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
    }
    if (status === 401 || status === 403) throw this.token === undefined ? apiErrors.tokenMissing(shown, status) : apiErrors.tokenRefused(shown, status);
    throw apiErrors.status(shown, status, excerpt(this.scrub(res.body)));
  }

  /** A transport failure in words, for logs: never the request's headers. */
  private describe(err: unknown): string {
    if (err instanceof TimeoutError) return `no answer within ${this.timeoutMs} ms`;
    if (err instanceof RequestError) return this.scrub(err.code === 'ERR_GOT_REQUEST_ERROR' ? err.message : `${err.code}: ${err.message}`);
    return this.scrub(String(err));
  }

  /** Defence in depth: whatever a server or a library puts in a message, the token does not pass. */
  private scrub(text: string): string {
    return this.token === undefined ? text : text.split(this.token).join('<token>');
  }
}

/** One kind of rejection for a stop, whatever was waiting (got, a sleep): an Error named AbortError. */
function abortError(signal: AbortSignal): Error {
  const err = new Error('the request to the batches API was aborted', { cause: signal.reason });
  err.name = 'AbortError';
  return err;
}

/** The start of a body on one line. Cut only after scrubbing: a cut inside the token would let its start through. */
function excerpt(body: string, chars = BODY_SNIPPET): string {
  const oneLine = body.replace(/\s+/g, ' ').trim();
  return oneLine.length <= chars ? oneLine : `${oneLine.slice(0, chars)}…`;
}

/** Retry-After as delta-seconds or an HTTP date (RFC 9110 §10.2.3), in ms; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** A 200's body checked against §1's shape; the entries themselves are checked one by one later. */
export function parsePage(body: string, shown: string, scrub: (text: string) => string = (text) => text): Page {
  let v: unknown;
  try {
    // Numbers JSON.parse would round (an id past 2^53) are kept as written, to be rejected as such.
    v = parseJsonExact(body);
  } catch {
    // Not JSON.parse's message: it quotes the body, cut wherever it likes, perhaps inside the token.
    throw apiErrors.notJson(shown, `it starts ${JSON.stringify(excerpt(scrub(body), 40))}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw apiErrors.wrongShape(shown, `not an object but ${Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v}`);
  const o = v as Record<string, unknown>;
  if (!Array.isArray(o['batches'])) throw apiErrors.wrongShape(shown, `'batches' is ${o['batches'] === undefined ? 'missing' : 'not an array'}`);
  if (typeof o['has_more'] !== 'boolean') throw apiErrors.wrongShape(shown, `'has_more' is ${o['has_more'] === undefined ? 'missing' : 'not a boolean'}`);
  return { entries: o['batches'], hasMore: o['has_more'] };
}
