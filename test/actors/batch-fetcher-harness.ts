// Shared by the BatchFetcher tests: the real actor under a real Supervisor (rest_for_one, as in
// production) with the fake Aggregator of test/fixtures, against the simulator's API; readers of
// what the fake Aggregator received; a recording proxy to see the requests the actor makes.
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';
import type { Supervisor } from '../../src/runtime/index.ts';
import type { Simulator } from '../../src/simulator/index.ts';
import type { BatchFetcherArgs } from '../../src/actors/batch-fetcher.ts';
import type { Batch } from '../../src/domain/records.ts';
import type { FakeLine } from '../fixtures/fake-aggregator.ts';
import { listenLoopback } from '../sources/batches-api-server.ts';
import { FAST, captureLogger, fixture, readLines, startSupervisor, statusOf, tempDir, waitFor } from '../runtime/helpers.ts';

export const FETCHER = fileURLToPath(new URL('../../src/actors/batch-fetcher.ts', import.meta.url));
/** Retries that do not slow the tests down. */
export const QUICK_RETRY = { initialMs: 10, maxMs: 100, limit: 4 };
/** Generous: 2 shared cores, several test files at once. */
export const DEADLINE = 30_000;

export interface Harness {
  sup: Supervisor;
  logs: ReturnType<typeof captureLogger>;
  out: string;
  state: string;
  /** Batch messages received by the fake Aggregator, in order. */
  messages(): FakeLine[];
  /** The latest version of each id received (later messages win), as the warehouse's upsert keeps it. */
  latest(): Map<number, Batch>;
  /** Distinct reject keys received. */
  rejectKeys(): Set<string>;
  counters(): Record<string, number | string>;
  /** Resolves once the output equals the ledger: latest version per id, and every reject once. */
  caughtUp(sim: Simulator, filter?: (b: Batch) => boolean): Promise<void>;
  /** Resolves once `n` more polls (ok or failed) have ended. */
  polls(n: number): Promise<void>;
}

export async function startFetcher(
  t: ExecutionContext,
  api: string,
  args: Partial<BatchFetcherArgs> = {},
  opts: { shutdownMs?: number; dir?: string; /** The fake Aggregator holds each message this long: a slow warehouse. */ aggregatorDelayMs?: number } = {},
): Promise<Harness> {
  const dir = opts.dir ?? tempDir(t);
  const state = path.join(dir, 'state.json');
  const out = path.join(dir, 'out.jsonl');
  const logs = captureLogger();
  const fetcherArgs: BatchFetcherArgs = { api, pollMs: 100, timeoutMs: 5_000, retry: QUICK_RETRY, ...args };
  const sup = await startSupervisor(
    t,
    {
      ...FAST,
      strategy: 'rest_for_one',
      children: [
        { name: 'Aggregator', module: fixture('fake-aggregator'), args: { state, out, ...(opts.aggregatorDelayMs === undefined ? {} : { delayMs: opts.aggregatorDelayMs }) } },
        { name: 'BatchFetcher', module: FETCHER, args: fetcherArgs, ...(opts.shutdownMs === undefined ? {} : { shutdownMs: opts.shutdownMs }) },
      ],
    },
    logs.log,
  );
  const messages = (): FakeLine[] => readLines(out).map((l) => JSON.parse(l) as FakeLine).filter((l) => l.type === 'batches');
  const latest = (): Map<number, Batch> => {
    const m = new Map<number, Batch>();
    for (const line of messages()) for (const b of line.records as Batch[]) m.set(b.id, b);
    return m;
  };
  const rejectKeys = (): Set<string> => new Set(messages().flatMap((l) => l.rejected.map((r) => r.key)));
  const counters = (): Record<string, number | string> => statusOf(sup, 'BatchFetcher').counters;
  const pollCount = (): number => Number(counters()['polls'] ?? 0) + Number(counters()['failed_polls'] ?? 0);
  return {
    sup,
    logs,
    out,
    state,
    messages,
    latest,
    rejectKeys,
    counters,
    async caughtUp(sim, filter = () => true) {
      const want = new Map([...sim.ledger.batches].filter(([, b]) => filter(b)));
      const wantRejects = sim.expected().rejected.batches;
      let got = new Map<number, Batch>();
      await waitFor(
        () => {
          got = latest();
          return got.size === want.size && [...want].every(([id, b]) => JSON.stringify(got.get(id)) === JSON.stringify(b)) && rejectKeys().size === wantRejects;
        },
        {
          timeoutMs: DEADLINE,
          intervalMs: 50,
          what: () => {
            const differ = [...want].filter(([id, b]) => JSON.stringify(got.get(id)) !== JSON.stringify(b));
            const shown = differ.slice(0, 3).map(([id, b]) => `batch ${id}: ledger ${JSON.stringify(b)}, held ${JSON.stringify(got.get(id)) ?? 'nothing'}`);
            return `the fake Aggregator to hold the ledger's ${want.size} batches (has ${got.size}, ${differ.length} missing or stale: ${shown.join('; ')}) and ${wantRejects} rejects (has ${rejectKeys().size}); counters ${JSON.stringify(counters())}`;
          },
        },
      );
    },
    async polls(n) {
      const target = pollCount() + n;
      await waitFor(() => pollCount() >= target, { timeoutMs: DEADLINE, what: () => `${n} more polls (counters ${JSON.stringify(counters())})` });
    },
  };
}

export interface Recorded {
  url: string;
  /** The request's path and query, decoded. */
  seen: { path: string; query: URLSearchParams; auth: string | undefined; at: number }[];
}

/** A pass-through HTTP proxy on 127.0.0.1 in front of `target` that records every request. */
export async function recordingProxy(t: ExecutionContext, target: string): Promise<Recorded> {
  const seen: Recorded['seen'] = [];
  const to = new URL(target);
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    seen.push({ path: u.pathname, query: u.searchParams, auth: req.headers.authorization, at: Date.now() });
    const up = http.request({ host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  return { url: await listenLoopback(t, server), seen };
}
