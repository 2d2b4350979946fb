// `batchboard start --http` (CONTRACTS §5) over HTTP: the page served by the running pipeline shows
// a commit on its event stream; the operator panel's restart is POST only, needs the run's token in
// its header, names an unknown actor with 404, and no answer carries a CORS header; /metrics is
// Prometheus' text format and its counters move as the pipeline reads records. Under `serve` alone
// there is no supervisor: the panel says so and /metrics has the warehouse's numbers only.
import net from 'node:net';
import path from 'node:path';
import test from 'ava';
import { batchboard } from '../cli/helpers.ts';
import { startSim, tempDir } from '../e2e/helpers.ts';
import { waitFor } from '../wait.ts';
import { allRunning, seeded, serve, servedPipeline } from './helpers.ts';
import { parsePrometheus, sample } from './prom-text.ts';

const HEADER = 'X-Batchboard-Restart-Token';

async function text(url: string | URL, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: string }> {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, body: await res.text() };
}

/** The first events of a stream until `until` holds of them; the stream is closed after. */
async function events(url: string, until: (events: { event: string; data: any }[]) => boolean): Promise<{ event: string; data: any }[]> {
  const ac = new AbortController();
  const res = await fetch(url, { signal: ac.signal });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const out: { event: string; data: any }[] = [];
  let buf = '';
  const deadline = setTimeout(() => ac.abort(), 30_000);
  try {
    while (!until(out)) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event !== undefined && data !== undefined) out.push({ event, data: JSON.parse(data) });
      }
    }
  } finally {
    clearTimeout(deadline);
    ac.abort();
  }
  return out;
}

test('start --http serves the page from the running pipeline, and a commit shows on its event stream', async (t) => {
  const { url, operator, restartToken, sim, pipeline } = await servedPipeline(t);
  t.regex(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  t.is(operator, `${url}operator#restart=${restartToken}`);
  t.regex(restartToken, /^[A-Za-z0-9_-]{24}$/);
  await allRunning(url);
  const page = await text(url);
  t.is(page.status, 200);
  t.regex(page.body, /<a href="\/operator">operator panel<\/a>/);
  // The stream's first event is the whole board; a batch added to the API is committed and sent.
  const [added] = sim.addBatches(1);
  const seen = await events(`${url}events`, (es) => es.some((e) => (e.event === 'board' || e.event === 'changes') && e.data.rows.some((r: { id: number }) => r.id === added!.id)));
  const row = seen.flatMap((e) => e.data.rows).find((r: { id: number }) => r.id === added!.id);
  t.is(row.name, added!.name);
  const panel = await text(`${url}operator`);
  t.is(panel.status, 200);
  for (const actor of ['Aggregator', 'BatchFetcher', 'StudentWatcher', 'LogTailer']) t.true(panel.body.includes(`<tr data-actor="${actor}">`), actor);
  t.false(/<script>/.test(panel.body), 'no inline script');
  t.regex(String(panel.headers.get('content-security-policy')), /default-src 'none'; script-src 'self'/);
  // Open pages (the leaderboard's stream, the panel's) do not hold the stop: SIGTERM, exit 0 within 5 s.
  const open = [new AbortController(), new AbortController()];
  t.teardown(() => open.forEach((a) => a.abort()));
  for (const [i, path] of ['events', 'operator/events'].entries()) t.is((await fetch(`${url}${path}`, { signal: open[i]!.signal })).status, 200);
  const stopped = await pipeline.stop('SIGTERM');
  t.is(stopped.code, 0);
  t.true(stopped.ms < 5000, `stopped in ${stopped.ms} ms`);
});

test("the restart is POST only, with the run's token in its header; an unknown actor is 404; no CORS header anywhere", async (t) => {
  const { url, restartToken } = await servedPipeline(t);
  await allRunning(url);
  const restartsOf = async (actor: string) => ((await (await fetch(`${url}operator.json`)).json()) as { actors: { name: string; restarts: number }[] }).actors.find((a) => a.name === actor)!.restarts;
  const answers: { status: number; headers: Headers; body: string }[] = [];
  const ask = async (path: string, init: RequestInit = {}) => {
    const a = await text(`${url}${path}`, init);
    answers.push(a);
    return a;
  };

  const none = await ask('api/restart/LogTailer', { method: 'POST' });
  t.is(none.status, 403);
  t.regex(JSON.parse(none.body).error, /restart token is required in the X-Batchboard-Restart-Token header/);
  const wrong = await ask('api/restart/LogTailer', { method: 'POST', headers: { [HEADER]: 'x'.repeat(restartToken.length) } });
  t.is(wrong.status, 403);
  t.regex(JSON.parse(wrong.body).error, /wrong restart token/);
  t.false(wrong.body.includes(restartToken), 'the token is never in an answer');
  t.is((await ask('api/restart/LogTailer')).status, 405, 'GET');
  t.is((await ask('api/restart/LogTailer', { method: 'PUT', headers: { [HEADER]: restartToken } })).status, 405, 'PUT');
  // A CORS preflight is refused, and says nothing that would let another origin through.
  const preflight = await ask('api/restart/LogTailer', { method: 'OPTIONS', headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': HEADER } });
  t.is(preflight.status, 405);
  const foreign = await ask('api/restart/LogTailer', { method: 'POST', headers: { [HEADER]: restartToken, Origin: 'http://evil.example' } });
  t.is(foreign.status, 403, 'the right token from another origin');
  t.is(await restartsOf('LogTailer'), 0, 'nothing restarted so far');

  const unknown = await ask('api/restart/Nobody', { method: 'POST', headers: { [HEADER]: restartToken } });
  t.is(unknown.status, 404);
  t.regex(JSON.parse(unknown.body).error, /no actor named "Nobody"; actors: Aggregator, BatchFetcher, StudentWatcher, LogTailer/);

  const ok = await ask('api/restart/LogTailer', { method: 'POST', headers: { [HEADER]: restartToken } });
  t.is(ok.status, 200, ok.body);
  t.is(JSON.parse(ok.body).actor.restarts, 1);
  t.is(await restartsOf('LogTailer'), 1);

  for (const path of ['', 'board.json', 'operator', 'operator.json', 'metrics', 'static/operator.js', 'nothing']) await ask(path, { headers: { Origin: 'http://evil.example' } });
  for (const a of answers) {
    const cors = [...a.headers.keys()].filter((k) => k.startsWith('access-control-'));
    t.deepEqual(cors, [], `no CORS header (answer ${a.status})`);
  }
});

test('/metrics is Prometheus text; its counters move as the pipeline reads records, also across a restart', async (t) => {
  const { url, sim, restartToken } = await servedPipeline(t);
  await allRunning(url);
  const scrape = async () => {
    const res = await text(`${url}metrics`);
    t.is(res.status, 200);
    t.regex(String(res.headers.get('content-type')), /^text\/plain; version=0\.0\.4/);
    return parsePrometheus(res.body);
  };
  const runs = (s: ReturnType<typeof parsePrometheus>) => sample(s, 'batchboard_source_records_total', 'source="test_runs"') ?? 0;
  // The history read first, and committed (each actor's counters come with its own heartbeat).
  const fresh0 = (s: ReturnType<typeof parsePrometheus>) => sample(s, 'batchboard_freshness_seconds_count') ?? 0;
  const first = await waitFor(async () => {
    const s = await scrape();
    return runs(s) >= 20_000 && fresh0(s) > 0 ? s : null;
  }, { what: 'the history counted in batchboard_source_records_total and its commits in the freshness histogram', timeoutMs: 60_000 });
  t.is(first.types.get('batchboard_freshness_seconds'), 'histogram');
  t.is(first.types.get('batchboard_source_records_total'), 'counter');
  t.is(first.types.get('batchboard_actor_restarts_total'), 'counter');
  for (const source of ['batches', 'students', 'test_runs']) t.not(sample(first, 'batchboard_source_rejected_total', `source="${source}"`), undefined, source);
  t.is(sample(first, 'batchboard_source_lag_bytes', 'source="test_runs"') !== undefined, true);
  t.is(sample(first, 'batchboard_actor_up', 'actor="LogTailer"'), 1);
  t.true(sample(first, 'batchboard_warehouse_batches')! >= 30);
  const commits = sample(first, 'batchboard_commits_total')!;
  const fresh = sample(first, 'batchboard_freshness_seconds_count')!;
  t.true(fresh > 0);
  t.is(sample(first, 'batchboard_freshness_seconds_bucket', 'le="+Inf"'), fresh);

  sim.writeTestRuns(500);
  const after = await waitFor(async () => {
    const s = await scrape();
    return runs(s) >= runs(first) + 500 && sample(s, 'batchboard_commits_total')! > commits && fresh0(s) > fresh ? s : null;
  }, { what: '500 more test runs counted, and committed', timeoutMs: 30_000 });
  t.true(sample(after, 'batchboard_commits_total')! > commits, 'commits moved');
  t.true(sample(after, 'batchboard_freshness_seconds_count')! > fresh, 'freshness observed');
  t.true(sample(after, 'batchboard_applied_total', 'kind="runs"')! > 0, 'runs applied');

  // A hot restart starts the LogTailer's own counters again from 0; the metrics' totals go on from theirs.
  const before = runs(after);
  const r = await fetch(`${url}api/restart/LogTailer`, { method: 'POST', headers: { [HEADER]: restartToken } });
  t.is(r.status, 200);
  sim.writeTestRuns(200);
  const resumed = await waitFor(async () => {
    const s = await scrape();
    return runs(s) >= before + 200 ? s : null;
  }, { what: () => `200 more test runs counted after the restart, from ${before}`, timeoutMs: 30_000 });
  t.is(sample(resumed, 'batchboard_actor_restarts_total', 'actor="LogTailer"'), 1);
});

test('under serve alone: no supervisor, said on the panel; /metrics has the warehouse only; nothing to restart', async (t) => {
  const { warehouse } = await seeded(t, 'sqlite');
  const { url } = await serve(t, ['--warehouse', warehouse, '--http', '127.0.0.1:0']);
  const panel = await text(`${url}operator`);
  t.is(panel.status, 200);
  t.regex(panel.body, /No pipeline runs in this server: it was started by <code>batchboard serve<\/code>/);
  t.false(panel.body.includes('data-restart'), 'no restart button');
  t.deepEqual(JSON.parse((await text(`${url}operator.json`)).body), { pipeline: false });
  const restart = await text(`${url}api/restart/LogTailer`, { method: 'POST', headers: { [HEADER]: 'anything-at-all' } });
  t.is(restart.status, 404);
  t.regex(JSON.parse(restart.body).error, /no pipeline runs in this server/);
  const s = parsePrometheus((await text(`${url}metrics`)).body);
  t.deepEqual([...s.types.keys()].sort(), ['batchboard_warehouse_batches', 'batchboard_warehouse_qualified_students', 'batchboard_warehouse_students']);
  t.is(sample(s, 'batchboard_warehouse_batches'), 3);
  t.is(sample(s, 'batchboard_warehouse_students'), 4);
  t.is(sample(s, 'batchboard_warehouse_qualified_students'), 3);
});

test('start --http: bad flags and a port taken are one line each, exit 2', async (t) => {
  const dir = tempDir(t);
  const sim = await startSim(t, dir);
  const sources = ['start', '--api', sim.apiUrl, '--students', sim.studentsPath, '--log', sim.logPath, '--warehouse', path.join(dir, 'w.db')];
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.teardown(() => void taken.close());
  const port = (taken.address() as net.AddressInfo).port;
  const env = { ...process.env, BATCHBOARD_HTTP_TOKEN: '' };
  const cases: [string[], RegExp][] = [
    [['--http', '0.0.0.0:0'], /^batchboard: start: --http 0\.0\.0\.0 is not a loopback address: set --http-token \(or BATCHBOARD_HTTP_TOKEN\)/],
    [['--http-token', 'a-long-enough-token-1234'], /^batchboard: start: --http-token needs --http HOST:PORT/],
    [['--http', '127.0.0.1:0', '--http-token', 'short'], /^batchboard: start: --http-token must be at least 16 characters/],
    [['--http', 'localhost'], /^batchboard: start: --http must be HOST:PORT/],
    [['--http', `127.0.0.1:${port}`], new RegExp(`^batchboard: start: cannot listen on 127\\.0\\.0\\.1:${port}: EADDRINUSE`)],
  ];
  for (const [flags, want] of cases) {
    const r = await batchboard([...sources, ...flags], env);
    t.is(r.code, 2, `${flags.join(' ')}: ${r.stderr}`);
    t.regex(r.stderr, want);
    t.is(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  }
});
