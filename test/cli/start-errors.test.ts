// `batchboard start` with a bad flag or a source that cannot be opened: one line naming it, exit 2,
// no stack trace, and nothing started (no warehouse written, no control socket left behind).
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import Database from 'better-sqlite3';
import { batchboard } from './helpers.ts';

function fixtureDir(t: import('ava').ExecutionContext) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bb-start-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const students = path.join(dir, 'students.db');
  new Database(students)
    .exec('CREATE TABLE students (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT, batch_id INTEGER NOT NULL, created_at TEXT NOT NULL)')
    .close();
  const log = path.join(dir, 'test_runs.log');
  fs.writeFileSync(log, '');
  return { dir, students, log, warehouse: path.join(dir, 'w.db') };
}

async function api(t: import('ava').ExecutionContext, status = 200): Promise<string> {
  const server = http.createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ batches: [], has_more: false }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

async function refused(t: import('ava').ExecutionContext, args: string[], pattern: RegExp, warehouse?: string) {
  const r = await batchboard(['start', ...args]);
  t.is(r.code, 2, r.stderr);
  const lines = r.stderr.trim().split('\n');
  t.is(lines.length, 1, `one line: ${r.stderr}`);
  t.regex(lines[0]!, pattern);
  t.notRegex(r.stderr, /\n\s+at /, 'no stack trace');
  if (warehouse !== undefined) t.false(fs.existsSync(warehouse), 'no warehouse was written');
}

test('bad flags', async (t) => {
  const f = fixtureDir(t);
  const url = await api(t);
  const base = ['--api', url, '--students', f.students, '--log', f.log, '--warehouse', f.warehouse];
  await refused(t, [...base, '--min-lessons', 'three'], /--min-lessons must be an integer, got 'three'/, f.warehouse);
  await refused(t, [...base, '--min-lessons', '0'], /--min-lessons must be between 1 and/, f.warehouse);
  await refused(t, [...base, '--since', '2024-13-01'], /--since must be a date YYYY-MM-DD, got '2024-13-01'/, f.warehouse);
  await refused(t, [...base, '--bogus'], /Unknown option '--bogus'/, f.warehouse);
  await refused(t, ['--api', url, '--students', f.students, '--warehouse', f.warehouse], /name all three sources or none.*missing --log/, f.warehouse);
  await refused(t, ['--api', url, '--students', f.students, '--log', f.log], /--warehouse is required/);
});

test('sources that cannot be opened', async (t) => {
  const f = fixtureDir(t);
  const url = await api(t);
  const args = (over: Record<string, string>) => {
    const v = { api: url, students: f.students, log: f.log, warehouse: f.warehouse, ...over };
    return ['--api', v.api, '--students', v.students, '--log', v.log, '--warehouse', v.warehouse];
  };
  const missing = path.join(f.dir, 'nope.db');
  await refused(t, args({ students: missing }), /--students.*nope\.db/, f.warehouse);
  const notDb = path.join(f.dir, 'text.db');
  fs.writeFileSync(notDb, 'not a database '.repeat(100));
  await refused(t, args({ students: notDb }), /--students.*text\.db/, f.warehouse);
  const noTable = path.join(f.dir, 'empty.db');
  new Database(noTable).exec('CREATE TABLE other (a)').close();
  await refused(t, args({ students: noTable }), /--students.*empty\.db/, f.warehouse);
  await refused(t, args({ log: path.join(f.dir, 'missing.log') }), /--log .*missing\.log.*no such file/, f.warehouse);
  await refused(t, args({ api: 'not a url' }), /--api 'not a url' is not a URL/, f.warehouse);
  // A port nothing listens on: take one, close it.
  const closed = await new Promise<number>((resolve) => {
    const s = http.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
  await refused(t, args({ api: `http://127.0.0.1:${closed}` }), /cannot reach the batches API at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/, f.warehouse);
  await refused(t, args({ api: await api(t, 401) }), /refused the request \(401\).*--api-token/, f.warehouse);
  const foreign = path.join(f.dir, 'foreign.db');
  new Database(foreign).exec('CREATE TABLE x (a)').close();
  await refused(t, args({ warehouse: foreign }), /--warehouse: .*foreign\.db is an SQLite database but not a batchboard warehouse/);
});
