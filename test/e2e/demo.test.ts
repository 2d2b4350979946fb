// `batchboard start` with no sources named (CONTRACTS §5, §6): the demo runs the simulated sources
// and the pipeline together from the directory it is started in (data/demo/, data/warehouse.db),
// prints what it runs and a status line every --status-every seconds, and stops on SIGINT with
// exit 0 within 5 s. It resets only its own demo warehouse: a warehouse of named sources or any
// other file at data/warehouse.db is refused with one line and left exactly as it was.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import Database from 'better-sqlite3';
import { batchboard, collect } from '../cli/helpers.ts';
import { waitFor } from '../wait.ts';
import { BIN, Pipeline, readRows, startSim, tempDir } from './helpers.ts';

/** One demo process, started as a user does: `batchboard start` in a directory of their choice. */
class Demo {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  private readonly exit: Promise<number | string>;

  constructor(t: Parameters<typeof tempDir>[0], cwd: string, args: string[] = ['--status-every', '0.5']) {
    this.child = spawn(process.execPath, [BIN, 'start', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exit = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve(code ?? signal!)));
    t.teardown(() => {
      if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    });
  }

  exited(): Promise<number | string> {
    return this.exit;
  }

  async stop(signal: NodeJS.Signals): Promise<{ code: number | string; ms: number }> {
    const started = Date.now();
    this.child.kill(signal);
    const code = await this.exit;
    return { code, ms: Date.now() - started };
  }

  /** The output so far, for failure messages. */
  get shown(): string {
    return `stdout (last 2000):\n${this.stdout.slice(-2000)}\nstderr:\n${this.stderr.slice(-2000)}`;
  }
}

// One status line and its leaderboard line, as src/demo.ts prints them.
const STATUS = /^\d\d:\d\d:\d\d \| runs (\d+|-)\/s \(lag (\S+) B\) \| students (\d+|-)\/s \(lag (\S+) rows\) \| batches (\d+|-)\/s \(lag \S+ ms\) \| commits (\d+|-)\/s \| restarts (\d+)\n {2}top 5: (.*)$/gm;

function statusLines(stdout: string): { runs: string; runsLag: string; students: string; studentsLag: string; batches: string; commits: string; restarts: number; top: string }[] {
  return [...stdout.matchAll(STATUS)].map((m) => ({
    runs: m[1]!,
    runsLag: m[2]!,
    students: m[3]!,
    studentsLag: m[4]!,
    batches: m[5]!,
    commits: m[6]!,
    restarts: Number(m[7]),
    top: m[8]!,
  }));
}

/** A top 5 of batch names with their qualified counts, e.g. "nyc-web-040124=17 ...". */
const TOP5 = /^([a-z]+(-[a-z0-9]+)+=\d+ ?){1,5}$/;

function sha(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function batchTimes(file: string): Map<number, string> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT id, created_at FROM batches ORDER BY id LIMIT 20').all() as { id: number; created_at: string }[];
    return new Map(rows.map((r) => [r.id, r.created_at]));
  } finally {
    db.close();
  }
}

async function demoShowsData(t: Parameters<typeof tempDir>[0], demo: Demo): Promise<void> {
  await waitFor(() => statusLines(demo.stdout).some((s) => TOP5.test(s.top) && s.commits !== '-'), {
    what: () => `a status line with a top 5 of batch names\n${demo.shown}`,
    timeoutMs: 60_000,
    intervalMs: 100,
  });
  t.pass('the demo shows a top 5 of batch names');
}

/** Runs the demo in `cwd` expecting a refusal: exit 2, one line on stderr, nothing on stdout. */
async function refused(t: Parameters<typeof tempDir>[0], cwd: string): Promise<string> {
  const r = await collect(spawn(process.execPath, [BIN, 'start'], { cwd }));
  t.is(r.code, 2, `exit code; stderr: ${r.stderr}`);
  t.is(r.stdout, '', 'nothing started, nothing printed');
  const lines = r.stderr.trimEnd().split('\n');
  t.is(lines.length, 1, `one line: ${r.stderr}`);
  t.regex(lines[0]!, /data\/warehouse\.db/, 'the line names the warehouse');
  return lines[0]!;
}

test.serial('the demo prints its sources and status lines, serves top, exits 0 on SIGINT, and starts again fresh', async (t) => {
  const cwd = tempDir(t, 'bb-demo-');
  const warehouse = path.join(cwd, 'data', 'warehouse.db');
  const demo = new Demo(t, cwd);

  await waitFor(() => /simulated API http:\/\/127\.0\.0\.1:\d+/.test(demo.stdout), { what: () => `the sources line\n${demo.shown}`, timeoutMs: 30_000 });
  const banner = demo.stdout.split('\n').slice(0, 2).join('\n');
  t.regex(banner, /students\.db/, 'the banner names the students database');
  t.regex(banner, /test_runs\.log/, 'the banner names the log');
  t.regex(banner, /warehouse data\/warehouse\.db/, 'the banner names the warehouse');
  t.regex(banner, /data\/demo\/pipeline\.log/, 'the banner says where the logs go');

  await demoShowsData(t, demo);
  // The web page, served by default on loopback (8321, or a free port when that is taken).
  const served = /^the page: (http:\/\/127\.0\.0\.1:\d+\/)\noperator panel: \1operator#restart=(\S+)\noperator token: \2$/m.exec(demo.stdout);
  t.truthy(served, `the page's URL, the operator panel's link and token\n${demo.shown}`);
  const board = await fetch(served![1]!);
  t.is(board.status, 200);
  t.regex(await board.text(), /<tr data-id="\d+">/, 'the leaderboard, with batches');
  // Rates are per status interval: the history load and the live arrivals both show in them.
  await waitFor(() => statusLines(demo.stdout).some((s) => Number(s.runs) > 0), { what: () => `a status line with test runs per second\n${demo.shown}`, timeoutMs: 30_000, intervalMs: 100 });
  await waitFor(() => statusLines(demo.stdout).some((s) => Number(s.students) > 0), { what: () => `a status line with students per second\n${demo.shown}`, timeoutMs: 30_000, intervalMs: 100 });
  const lines = statusLines(demo.stdout);
  t.true(lines.length >= 2, 'a status line every half second');
  for (const s of lines) {
    t.regex(s.runsLag, /^\d+$/, 'the log lag in bytes');
    t.regex(s.studentsLag, /^\d+\+?$/, 'the students lag in rows');
    t.is(s.restarts, 0, 'no actor restarted');
  }

  // Everything the demo writes is under the directory it was started in.
  t.true(fs.existsSync(warehouse), 'data/warehouse.db');
  for (const f of ['students.db', 'test_runs.log', 'pipeline.log']) t.true(fs.existsSync(path.join(cwd, 'data', 'demo', f)), `data/demo/${f}`);
  t.regex(fs.readFileSync(path.join(cwd, 'data', 'demo', 'pipeline.log'), 'utf8'), /"event":"supervisor\.start"/, 'the supervisor logs to data/demo/pipeline.log');

  const top = await batchboard(['top', '--warehouse', warehouse]);
  t.is(top.code, 0, top.stderr);
  t.regex(top.stdout, /^rank\s+id\s+name\s+qualified_students\n\s+1\s+\d+\s+[a-z]+-\S+\s+\d+\n/, `a leaderboard:\n${top.stdout}`);

  // A second demo while this one runs would pull its sources and warehouse from under it.
  const line = await refused(t, cwd);
  t.regex(line, /already running/);
  t.true(fs.existsSync(path.join(cwd, 'data', 'demo', 'test_runs.log')), 'the running demo keeps its sources');
  await waitFor(() => (demo.stdout.match(STATUS) ?? []).length > lines.length + 2, { what: 'more status lines after the refused start', timeoutMs: 30_000 });
  t.false(statusLines(demo.stdout).slice(lines.length).some((s) => s.top === '(warehouse not ready)'), 'the running demo keeps its warehouse');
  t.is((await batchboard(['top', '--warehouse', warehouse])).code, 0, 'top still reads the running demo warehouse');

  const firstTimes = batchTimes(warehouse);
  const firstInode = fs.statSync(warehouse).ino;
  const { code, ms } = await demo.stop('SIGINT');
  t.is(code, 0, demo.shown);
  t.true(ms < 5_000, `SIGINT to exit took ${ms} ms (the contract: within 5 s)`);
  t.log(`SIGINT to exit: ${ms} ms`);
  t.regex(fs.readFileSync(path.join(cwd, 'data', 'demo', 'pipeline.log'), 'utf8'), /"event":"supervisor\.stopped","code":0/);

  // Started again in the same directory: new simulated sources, so a new warehouse for them.
  const again = new Demo(t, cwd);
  await demoShowsData(t, again);
  t.not(fs.statSync(warehouse).ino, firstInode, 'the demo warehouse was replaced');
  const secondTimes = batchTimes(warehouse);
  const same = [...secondTimes].filter(([id, at]) => firstTimes.get(id) === at);
  t.deepEqual(same, [], 'no batch of the first demo is left in the warehouse');
  const stopped = await again.stop('SIGINT');
  t.is(stopped.code, 0, again.shown);
  t.true(stopped.ms < 5_000, `SIGINT to exit took ${stopped.ms} ms`);
});

test.serial('a warehouse of named sources at data/warehouse.db is refused with one line and left unchanged', async (t) => {
  const cwd = tempDir(t, 'bb-demo-');
  const sim = await startSim(t, cwd, { seed: 12 });
  const pipeline = new Pipeline(t, sim, path.join(cwd, 'data'));
  pipeline.start();
  await waitFor(async () => ((await readRows(pipeline.warehouse))?.batches.length ?? 0) > 0, { what: 'batches in the named-sources warehouse', timeoutMs: 30_000, intervalMs: 100 });
  t.is((await pipeline.stop('SIGTERM')).code, 0);
  // SQLite's own -wal/-shm beside a WAL file come and go with readers (also read-only ones).
  const listing = () => fs.readdirSync(path.join(cwd, 'data')).filter((f) => !/-(wal|shm)$/.test(f)).sort();
  const files = listing();
  const hash = sha(pipeline.warehouse);

  const line = await refused(t, cwd);
  t.regex(line, /other sources/, line);
  t.is(sha(pipeline.warehouse), hash, 'the warehouse file is unchanged');
  t.deepEqual(listing(), files, 'no file added or removed beside it (no data/demo)');
  const wal = `${pipeline.warehouse}-wal`;
  t.true(!fs.existsSync(wal) || fs.statSync(wal).size === 0, 'nothing written to its WAL either');
});

test.serial('a foreign SQLite file or any other file at data/warehouse.db is refused with one line and left unchanged', async (t) => {
  const cwd = tempDir(t, 'bb-demo-');
  const file = path.join(cwd, 'data', 'warehouse.db');
  fs.mkdirSync(path.dirname(file));

  // An analyst's own database, in the default rollback-journal mode.
  const db = new Database(file);
  db.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('keep me')");
  db.close();
  const hash = sha(file);
  const line = await refused(t, cwd);
  t.regex(line, /not a (batchboard|demo) warehouse/, line);
  t.is(sha(file), hash, 'the SQLite file is unchanged (not even its journal mode)');
  t.deepEqual(fs.readdirSync(path.dirname(file)), ['warehouse.db'], 'nothing created beside it');

  fs.writeFileSync(file, 'not a database at all\n');
  const text = await refused(t, cwd);
  t.regex(text, /warehouse\.db/, text);
  t.is(fs.readFileSync(file, 'utf8'), 'not a database at all\n', 'the text file is unchanged');
});
