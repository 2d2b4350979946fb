// Issue 10's first goal: `batchboard rebuild` against DuckDB on the same generated history, in the
// same run, page cache warm: "rebuild at 10,000,000 runs no slower than DuckDB (ratio at most
// 1.0), peak RSS no more than DuckDB's; the same at 2,000,000".
//  - batchboard: `batchboard rebuild` as a child process, into a fresh warehouse each time;
//  - DuckDB (@duckdb/node-api, 2 threads, a child process of its own): read_json over the same log
//    files, the students table, the batches from the same API, grouped per batch.
// Both answers are compared with the simulator ledger's expectation (per batch: student_count and
// qualified_students). Wall time and peak RSS are taken from outside (bench/measure.ts). The two
// alternate for `--rounds` rounds (default 3: other work on a 2-core machine makes one run noisy);
// the table shows each one's fastest run and its highest peak RSS, every run is printed above it.
// Issue 11's goal beside them: the same `batchboard rebuild` into PostgreSQL (a fresh database on the
// local server each round, written by COPY) within 2x of the rebuild into SQLite. Its peak RSS is
// batchboard's only: the server's memory is its own processes'.
// Run: node --import=tsx bench/rebuild.ts [--small] [--rounds N] [--no-pg]   (--small: only the 2,000,000-run history)
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { batchboardRebuild, duckDb, qualifiedAtDiff, qualifiedAtSums, ROOT, type Outcome, type QualifiedSums } from './contenders.ts';
import { makeHistory, warmCache } from './history.ts';
import { machineLine } from './machine.ts';
import { codeLine, loadLine, mib, peakMethod } from './measure.ts';
import { createTestDatabase, TEST_SERVER } from '../src/storage/pg/test-db.ts';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

interface Summary {
  wallMs: number;
  peakBytes: number;
  exact: boolean;
}

const summary = (os: Outcome[]): Summary => ({
  wallMs: Math.min(...os.map((o) => o.m.wallMs)),
  peakBytes: Math.max(...os.map((o) => o.m.peakBytes)),
  exact: os.every((o) => o.diff.length === 0),
});

function runLine(who: string, round: number, o: Outcome, extra = ''): string {
  const polled =
    o.m.exactPeakBytes !== null && o.m.polledPeakBytes > 0 && Math.abs(o.m.exactPeakBytes - o.m.polledPeakBytes) > 0.05 * o.m.exactPeakBytes
      ? ` (polled VmHWM ${mib(o.m.polledPeakBytes)})`
      : '';
  const exact = o.diff.length === 0 ? 'exact' : `NOT EXACT: ${o.diff.join('; ')}`;
  const cpu = o.m.cpuMs === null ? '' : ` (CPU ${(o.m.cpuMs / 1000).toFixed(2)} s)`;
  return `  ${who} #${round}: ${(o.m.wallMs / 1000).toFixed(2)} s${cpu}, peak RSS ${mib(o.m.peakBytes)}${polled}, ${exact}${extra}`;
}

export async function main(argv: string[] = []): Promise<void> {
  const sizes = argv.includes('--small') ? [2_000_000] : [2_000_000, 10_000_000];
  const r = argv.indexOf('--rounds');
  const rounds = r >= 0 ? Math.max(1, Number(argv[r + 1])) : 3;
  console.log('# rebuild: batchboard rebuild against DuckDB over the same history (bench/rebuild.ts)');
  console.log(machineLine());
  console.log(peakMethod());
  console.log(codeLine(ROOT));
  const withPg = !argv.includes('--no-pg');
  const rows: { runs: number; bb: Summary; dd: Summary; pg: Summary | null }[] = [];
  for (const n of sizes) {
    const h = await makeHistory(n);
    try {
      console.log(h.describe());
      warmCache([...h.logFiles, h.sim.studentsPath, `${h.sim.studentsPath}-wal`, h.studentsCsv]);
      console.log(`  ${loadLine()}`);
      const bbs: Outcome[] = [];
      const dds: Outcome[] = [];
      const pgs: Outcome[] = [];
      for (let k = 1; k <= rounds; k++) {
        const bb = await batchboardRebuild(h, join(h.dir, `warehouse-${k}.db`));
        bbs.push(bb);
        const bbSums = bb.diff.length === 0 ? await qualifiedAtSums(join(h.dir, `warehouse-${k}.db`)) : null;
        let pg: Outcome | null = null;
        let pgSums: QualifiedSums | null = null;
        if (withPg) {
          const db = await createTestDatabase(TEST_SERVER, 'bench_rebuild');
          try {
            pg = await batchboardRebuild(h, db.url);
            if (pg.diff.length === 0) pgSums = await qualifiedAtSums(db.url);
            pgs.push(pg);
          } finally {
            await db.drop();
          }
        }
        const dd = await duckDb(h);
        dds.push(dd);
        // qualified_at, which the ledger does not hold, held to DuckDB's answer.
        if (bbSums !== null && dd.diff.length === 0) bb.diff.push(...qualifiedAtDiff(bbSums, dd.qualifiedAt));
        if (pg !== null && pgSums !== null && dd.diff.length === 0) pg.diff.push(...qualifiedAtDiff(pgSums, dd.qualifiedAt));
        console.log(runLine('batchboard', k, bb));
        if (pg !== null) console.log(runLine('batchboard into PostgreSQL', k, pg));
        console.log(runLine('DuckDB', k, dd, `; ${dd.note}, its own ru_maxrss ${mib(dd.selfPeakBytes)}`));
      }
      console.log(`  batchboard says: ${bbs.at(-1)!.note}`);
      if (dds.some((d) => d.note.includes('CSV export'))) {
        console.log(`  DuckDB's sqlite extension is not in the npm package (loading it would download it): the students table was exported to CSV with better-sqlite3 beforehand, in ${(h.csvMs / 1000).toFixed(2)} s, not counted`);
      }
      console.log(`  ${loadLine()}`);
      rows.push({ runs: h.runs, bb: summary(bbs), dd: summary(dds), pg: withPg ? summary(pgs) : null });
    } finally {
      await h.close();
    }
  }
  console.log();
  const head = ['test runs', 'batchboard s', 'DuckDB s', 'ratio bb/DuckDB', 'batchboard peak RSS', 'DuckDB peak RSS', 'exact (bb, DuckDB)'];
  const cells = rows.map((x) => [
    fmt(x.runs),
    (x.bb.wallMs / 1000).toFixed(2),
    (x.dd.wallMs / 1000).toFixed(2),
    (x.bb.wallMs / x.dd.wallMs).toFixed(2),
    mib(x.bb.peakBytes),
    mib(x.dd.peakBytes),
    `${x.bb.exact ? 'yes' : 'NO'}, ${x.dd.exact ? 'yes' : 'NO'}`,
  ]);
  const widths = head.map((s, i) => Math.max(s.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((s, i) => (i === 0 || i === c.length - 1 ? s.padEnd(widths[i]!) : s.padStart(widths[i]!))).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const c of cells) console.log(line(c));
  console.log(`(wall time of each child process, start to exit, the fastest of ${rounds}; peak RSS the highest of them; the same files, students table and API for both)`);
  if (withPg) {
    console.log();
    console.log('| test runs | into SQLite s | into PostgreSQL s | ratio PostgreSQL/SQLite | peak RSS SQLite | peak RSS PostgreSQL (client) | exact |');
    console.log('|---|---:|---:|---:|---:|---:|---|');
    for (const x of rows) {
      const p = x.pg!;
      console.log(
        `| ${fmt(x.runs)} | ${(x.bb.wallMs / 1000).toFixed(2)} | ${(p.wallMs / 1000).toFixed(2)} | ${(p.wallMs / x.bb.wallMs).toFixed(2)} | ` +
          `${mib(x.bb.peakBytes)} | ${mib(p.peakBytes)} | ${p.exact ? 'yes' : 'NO'} |`,
      );
    }
    for (const x of [...rows].reverse()) {
      const ratio = x.pg!.wallMs / x.bb.wallMs;
      console.log(`goal: rebuild of ${fmt(x.runs)} runs into PostgreSQL within 2x of SQLite: ratio ${ratio.toFixed(2)}: ${ratio <= 2 && x.pg!.exact ? 'met' : 'NOT MET'}`);
    }
  }
  for (const x of [...rows].reverse()) {
    const ratio = x.bb.wallMs / x.dd.wallMs;
    const met = ratio <= 1 && x.bb.peakBytes <= x.dd.peakBytes && x.bb.exact;
    console.log(
      `goal: rebuild at ${fmt(x.runs)} runs no slower than DuckDB (ratio at most 1.0), peak RSS no more than DuckDB's: ` +
        `ratio ${ratio.toFixed(2)}, ${mib(x.bb.peakBytes)} against ${mib(x.dd.peakBytes)}: ${met ? 'met' : 'NOT MET'}`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main(process.argv.slice(2));
