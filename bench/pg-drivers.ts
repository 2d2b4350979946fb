// Issue 11: which PostgreSQL driver, measured on the warehouse's own writes. The same three
// workloads through `pg` (node-postgres, with pg-copy-streams for COPY) and `postgres`
// (postgres.js), each in a fresh database of its own on the same server:
//  A. students upserted 1,000 a statement (arrays through unnest, INSERT ... ON CONFLICT DO
//     NOTHING RETURNING id), 100,000 new, then the same again (every one a conflict);
//  B. completions as two bigint arrays through unnest, ORDER BY, ON CONFLICT DO NOTHING RETURNING
//     student_id, a quarter of them repeats: 10,000 pairs a transaction (a busy commit), then 100
//     pairs a transaction (a quiet one: the per-statement round trips);
//  C. COPY of 2,700,000 completion rows (the 10,000,000-run history's distinct pairs) into the
//     keyed table, after a TRUNCATE in the same transaction (what rebuild does).
// Only one driver is a dependency of batchboard (the one this chose: `pg`); the other is loaded when
// installed: `npm install --no-save postgres@3.4.9` before running this to compare.
// Run: node --import=tsx bench/pg-drivers.ts [--url postgres://postgres@127.0.0.1:5432/postgres] [--rounds N]
import { pathToFileURL } from 'node:url';
import { Writable } from 'node:stream';
import { readFileSync } from 'node:fs';
import { machineLine } from './machine.ts';

const packageVersion = (name: string): string =>
  (JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as { version: string }).version;

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** What each driver is asked to do; every method runs one transaction. */
interface Driver {
  name: string;
  version: string;
  /** Runs `text` with `params` inside BEGIN ... COMMIT (one transaction per call); returns the rows' count. */
  tx(statements: { text: string; params: unknown[] }[]): Promise<number>;
  /** TRUNCATE then COPY the chunks into completions, in one transaction. */
  copy(chunks: Iterable<string>): Promise<void>;
  exec(text: string): Promise<void>;
  end(): Promise<void>;
}

const SCHEMA = `
CREATE TABLE students (id bigint PRIMARY KEY, name text NOT NULL, email text, batch_id bigint NOT NULL,
  created_at timestamptz NOT NULL, completed integer NOT NULL DEFAULT 0);
CREATE TABLE completions (student_id bigint NOT NULL, lesson_id bigint NOT NULL, PRIMARY KEY (student_id, lesson_id));`;

const UPSERT_STUDENTS = `INSERT INTO students (id, name, email, batch_id, created_at)
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::timestamptz[]) ORDER BY 1
  ON CONFLICT (id) DO NOTHING RETURNING id`;
const INSERT_COMPLETIONS = `INSERT INTO completions (student_id, lesson_id)
  SELECT * FROM unnest($1::bigint[], $2::bigint[]) ORDER BY 1, 2
  ON CONFLICT DO NOTHING RETURNING student_id`;

/** A PostgreSQL array literal of numbers (what both drivers would build from a JS array). */
const numArray = (a: ArrayLike<number>): string => `{${Array.prototype.join.call(a, ',')}}`;
const textArray = (a: readonly (string | null)[]): string =>
  `{${a.map((s) => (s === null ? 'NULL' : `"${s.replace(/["\\]/g, '\\$&')}"`)).join(',')}}`;

async function loadPg(url: string): Promise<Driver> {
  const pg = (await import('pg')).default;
  const { from: copyFrom } = await import('pg-copy-streams');
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => {});
  await c.connect();
  const version = packageVersion('pg');
  let named = 0;
  const names = new Map<string, string>();
  return {
    name: 'pg + pg-copy-streams',
    version: `pg ${version}`,
    async tx(statements) {
      let n = 0;
      await c.query('BEGIN');
      for (const s of statements) {
        let name = names.get(s.text);
        if (name === undefined) names.set(s.text, (name = `s${named++}`));
        n += (await c.query({ name, text: s.text, values: s.params })).rowCount ?? 0;
      }
      await c.query('COMMIT');
      return n;
    },
    async copy(chunks) {
      await c.query('BEGIN');
      await c.query('TRUNCATE completions');
      const stream = c.query(copyFrom('COPY completions (student_id, lesson_id) FROM STDIN'));
      await writeAll(stream, chunks);
      await c.query('COMMIT');
    },
    async exec(text) {
      await c.query(text);
    },
    end: () => c.end(),
  };
}

async function loadPostgresJs(url: string): Promise<Driver | null> {
  const specifier = 'postgres'; // not a dependency: loaded when installed (--no-save)
  let mod: { default: (url: string, o: Record<string, unknown>) => any };
  try {
    mod = (await import(specifier)) as typeof mod;
  } catch {
    return null;
  }
  const sql = mod.default(url, { max: 1, prepare: true, onnotice: () => {} });
  const version = packageVersion(specifier);
  return {
    name: 'postgres (postgres.js)',
    version: `postgres ${version}`,
    async tx(statements) {
      let n = 0;
      await sql.begin(async (t: any) => {
        for (const s of statements) n += (await t.unsafe(s.text, s.params, { prepare: true })).count as number;
      });
      return n;
    },
    async copy(chunks) {
      await sql.begin(async (t: any) => {
        await t`TRUNCATE completions`;
        const stream = await t`COPY completions (student_id, lesson_id) FROM STDIN`.writable();
        await writeAll(stream, chunks);
      });
    },
    async exec(text) {
      await sql.unsafe(text);
    },
    end: () => sql.end(),
  };
}

/** Writes every chunk, waiting for 'drain', then ends the stream and waits for it to finish. */
async function writeAll(stream: Writable, chunks: Iterable<string>): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    stream.on('error', reject);
    stream.on('finish', resolve);
    const it = chunks[Symbol.iterator]();
    const pump = () => {
      for (;;) {
        const r = it.next();
        if (r.done) return void stream.end();
        if (!stream.write(r.value)) return void stream.once('drain', pump);
      }
    };
    pump();
  });
}

/** The 10,000,000-run history's shape: 100,000 students, 27 distinct lessons each. */
function* copyChunks(students: number, lessons: number): Generator<string> {
  let rows: string[] = [];
  for (let s = 1; s <= students; s++) {
    for (let l = 1; l <= lessons; l++) rows.push(`${s}\t${l}\n`);
    if (rows.length >= 65_536) {
      yield rows.join('');
      rows = [];
    }
  }
  if (rows.length > 0) yield rows.join('');
}

/** Transactions of `perTx` pairs, a quarter repeats of pairs given before; deterministic. */
function completionTxs(total: number, perTx: number, seed: number): { text: string; params: unknown[] }[][] {
  let x = seed >>> 0;
  const rnd = (n: number) => {
    // mulberry32
    x = (x + 0x6d2b79f5) >>> 0;
    let t = x;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
  const given: number[] = [];
  const out: { text: string; params: unknown[] }[][] = [];
  for (let done = 0; done < total; done += perTx) {
    const s: number[] = [];
    const l: number[] = [];
    for (let i = 0; i < perTx; i++) {
      if (given.length > 0 && rnd(4) === 0) {
        const k = rnd(given.length / 2) * 2;
        s.push(given[k]!);
        l.push(given[k + 1]!);
      } else {
        const st = 1 + rnd(100_000);
        const le = 1 + rnd(1_000_000);
        s.push(st);
        l.push(le);
        given.push(st, le);
      }
    }
    out.push([{ text: INSERT_COMPLETIONS, params: [numArray(s), numArray(l)] }]);
  }
  return out;
}

function studentTxs(n: number, per: number): { text: string; params: unknown[] }[][] {
  const out: { text: string; params: unknown[] }[][] = [];
  for (let from = 1; from <= n; from += per) {
    const ids: number[] = [];
    const names: string[] = [];
    const emails: (string | null)[] = [];
    const batches: number[] = [];
    const created: string[] = [];
    for (let id = from; id < from + per && id <= n; id++) {
      ids.push(id);
      names.push(`Student "${id}"`);
      emails.push(id % 7 === 0 ? null : `s${id}@example.com`);
      batches.push(1 + (id % 1000));
      created.push(new Date(1_700_000_000_000 + id * 1000).toISOString());
    }
    out.push([{ text: UPSERT_STUDENTS, params: [numArray(ids), textArray(names), textArray(emails), numArray(batches), textArray(created)] }]);
  }
  return out;
}

interface Result {
  students: number;
  studentsAgain: number;
  busy: number;
  quiet: number;
  quietMs: number;
  copy: number;
}

async function runOne(d: Driver, url: string, rounds: number): Promise<Result> {
  const best: Result = { students: 0, studentsAgain: 0, busy: 0, quiet: 0, quietMs: Infinity, copy: Infinity };
  for (let r = 0; r < rounds; r++) {
    await d.exec('DROP TABLE IF EXISTS students, completions');
    await d.exec(SCHEMA);
    const timed = async (txs: { text: string; params: unknown[] }[][]) => {
      const t0 = performance.now();
      let rows = 0;
      for (const tx of txs) rows += await d.tx(tx);
      return { ms: performance.now() - t0, rows };
    };
    const st = studentTxs(100_000, 1_000);
    const a = await timed(st);
    const a2 = await timed(st);
    if (a.rows !== 100_000 || a2.rows !== 0) throw new Error(`students: ${a.rows} then ${a2.rows} new`);
    const busy = completionTxs(1_000_000, 10_000, 7);
    const b = await timed(busy);
    const quiet = completionTxs(200_000, 100, 11);
    const q = await timed(quiet);
    const t0 = performance.now();
    await d.copy(copyChunks(100_000, 27));
    const copyMs = performance.now() - t0;
    best.students = Math.max(best.students, 100_000 / (a.ms / 1000));
    best.studentsAgain = Math.max(best.studentsAgain, 100_000 / (a2.ms / 1000));
    best.busy = Math.max(best.busy, 1_000_000 / (b.ms / 1000));
    best.quiet = Math.max(best.quiet, 200_000 / (q.ms / 1000));
    best.quietMs = Math.min(best.quietMs, q.ms / quiet.length);
    best.copy = Math.min(best.copy, copyMs);
    console.log(
      `  ${d.name} #${r + 1}: students ${fmt(100_000 / (a.ms / 1000))}/s (again ${fmt(100_000 / (a2.ms / 1000))}/s), ` +
        `completions ${fmt(1_000_000 / (b.ms / 1000))}/s at 10,000 a tx (${fmt(b.rows)} new), ${fmt(200_000 / (q.ms / 1000))}/s at 100 a tx ` +
        `(${(q.ms / quiet.length).toFixed(2)} ms a tx), COPY 2,700,000 rows ${(copyMs / 1000).toFixed(2)} s`,
    );
  }
  void url;
  return best;
}

export async function main(argv: string[] = []): Promise<void> {
  const u = argv.indexOf('--url');
  const admin = u >= 0 ? argv[u + 1]! : 'postgres://postgres@127.0.0.1:5432/postgres';
  const r = argv.indexOf('--rounds');
  const rounds = r >= 0 ? Math.max(1, Number(argv[r + 1])) : 3;
  console.log('# PostgreSQL drivers on the warehouse writes (bench/pg-drivers.ts)');
  console.log(machineLine());
  const { createTestDatabase } = await import('../src/storage/pg/test-db.ts');
  const rows: [string, Result][] = [];
  for (const load of [loadPg, loadPostgresJs]) {
    const db = await createTestDatabase(admin, 'bench_drivers');
    try {
      const d = await load(db.url);
      if (d === null) {
        console.log('  postgres (postgres.js): not installed (npm install --no-save postgres@3.4.9 to compare)');
        continue;
      }
      try {
        console.log(`  ${d.version}`);
        rows.push([d.name, await runOne(d, db.url, rounds)]);
      } finally {
        await d.end();
      }
    } finally {
      await db.drop();
    }
  }
  console.log();
  console.log('| driver | students new /s | students again /s | completions /s (10,000 a tx) | completions /s (100 a tx) | ms a 100-pair tx | COPY 2.7M rows s |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const [name, x] of rows) {
    console.log(`| ${name} | ${fmt(x.students)} | ${fmt(x.studentsAgain)} | ${fmt(x.busy)} | ${fmt(x.quiet)} | ${x.quietMs.toFixed(2)} | ${(x.copy / 1000).toFixed(2)} |`);
  }
  console.log(`(best of ${rounds} rounds each; one connection each; the server's settings as installed)`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main(process.argv.slice(2));
