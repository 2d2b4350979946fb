// Issue 10's cold start: `batchboard start` on an empty warehouse over a history of 3,000,000 test
// runs (PATH.2, PATH.1 and PATH, as bench/history.ts lays them out), measured from outside:
//  - caught up: the first moment a read-only snapshot of the warehouse equals the simulator
//    ledger's expectation (totals and per batch every 50 ms; then every contract row, test/warehouse-rows.ts);
//  - peak RSS, at that moment and over the whole run (bench/measure.ts);
//  - the largest size the warehouse's -wal file reached while catching up, its size polled every 50 ms.
// Beside it, in the same run on the same files: `batchboard rebuild` of the same sources into a
// fresh warehouse, and DuckDB computing the same per-batch answer (bench/contenders.ts).
// Goals: "cold start caught up within rebuild's time plus 1 s"; "the WAL never more than 64 MiB
// plus one commit".
// Run: node --import=tsx bench/coldstart.ts [--runs N]   (default 3,000,000)
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { plainRows, type ContractTables } from '../test/warehouse-rows.ts';
import { readContractTables } from '../test/backends.ts';
import { batchboardRebuild, duckDb, ROOT, BIN, sourceArgs, warmBatchboard } from './contenders.ts';
import { differences, makeHistory, totals, warehouseBatches, warehouseTotals, warmCache, type History } from './history.ts';
import { machineLine } from './machine.ts';
import { codeLine, loadLine, mib, peakMethod, spawnMeasured, type Measured } from './measure.ts';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const POLL_MS = 50;
const TIMEOUT_MS = 600_000;
const WAL_GOAL = 64 * 2 ** 20;

function sameRows(a: ContractTables | null, e: ContractTables): boolean {
  if (a === null) return false;
  const rows = (t: ContractTables) => JSON.stringify([t.batches, t.students, t.rejected]);
  return rows(a) === rows(e);
}

interface ColdStart {
  m: Measured;
  /** ms from the spawn to the first snapshot equal to the expectation; null when it never was. */
  caughtUpMs: number | null;
  peakAtCaughtUp: number;
  maxWalCatchingUp: number;
  maxWalOverall: number;
  warehouseBytes: number;
  last: string[];
}

async function coldStart(h: History, warehouse: string): Promise<ColdStart> {
  const expected = plainRows(h.sim.expected());
  const want = totals(h.expected);
  warmBatchboard('start');
  const run = spawnMeasured(process.execPath, [BIN, 'start', ...sourceArgs(h, warehouse)], { cwd: ROOT });
  let exited = false;
  void run.done.then(() => (exited = true), () => (exited = true));
  const wal = `${warehouse}-wal`;
  let maxWal = 0;
  const walSize = () => {
    try {
      const s = statSync(wal).size;
      if (s > maxWal) maxWal = s;
    } catch {
      // not there yet, or between a checkpoint's truncation and the next write
    }
  };
  let caughtUpMs: number | null = null;
  let peakAtCaughtUp = 0;
  let maxWalCatchingUp = 0;
  let last: string[] = ['no warehouse yet'];
  while (!exited && run.elapsedMs() < TIMEOUT_MS) {
    walSize();
    // The moment the snapshot is taken: a poll that finds the warehouse equal dates it from here.
    const at = run.elapsedMs();
    // Cheap first (the poller shares the 2 cores with the pipeline): totals, then per batch, then every row.
    const t = existsSync(warehouse) ? warehouseTotals(warehouse) : null;
    last = t === null ? ['no warehouse yet'] : t.join() !== want.join() ? [`totals ${t.join(', ')}, expected ${want.join(', ')}`] : differences(h.expected, warehouseBatches(warehouse), 3);
    if (last.length === 0) {
      // The counts per batch agree: every contract row must too (a student's `completed` may not).
      if (sameRows(await readContractTables(warehouse), expected)) {
        caughtUpMs = at;
        walSize();
        maxWalCatchingUp = maxWal;
        peakAtCaughtUp = run.peakSoFar();
        break;
      }
      last = ['per-batch counts equal, but not every student row yet'];
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  if (!exited) await run.kill('SIGINT');
  const timer = setInterval(walSize, POLL_MS);
  const m = await run.done;
  clearInterval(timer);
  walSize();
  return { m, caughtUpMs, peakAtCaughtUp, maxWalCatchingUp, maxWalOverall: maxWal, warehouseBytes: existsSync(warehouse) ? statSync(warehouse).size : 0, last };
}

export async function main(argv: string[] = []): Promise<void> {
  const i = argv.indexOf('--runs');
  const runs = i >= 0 ? Number(argv[i + 1]) : 3_000_000;
  console.log('# cold start: `batchboard start` on an empty warehouse over a large history, beside rebuild and DuckDB (bench/coldstart.ts)');
  console.log(machineLine());
  console.log(peakMethod());
  console.log(codeLine(ROOT));
  const h = await makeHistory(runs);
  try {
    console.log(h.describe());
    warmCache([...h.logFiles, h.sim.studentsPath, `${h.sim.studentsPath}-wal`, h.studentsCsv]);
    console.log(`  ${loadLine()}`);
    const cold = await coldStart(h, join(h.dir, 'cold.db'));
    const rb = await batchboardRebuild(h, join(h.dir, 'rebuilt.db'));
    const dd = await duckDb(h);
    const caught = cold.caughtUpMs;
    const cpu = (m: Measured) => (m.cpuMs === null ? '' : `, CPU ${(m.cpuMs / 1000).toFixed(2)} s`);
    console.log(
      `  start: ${caught === null ? `NEVER CAUGHT UP within ${TIMEOUT_MS / 1000} s (last: ${cold.last.join('; ')})` : `caught up after ${(caught / 1000).toFixed(2)} s = ${fmt(h.runs / (caught / 1000))} runs/s`}; ` +
        `peak RSS ${mib(cold.peakAtCaughtUp)} by then (VmHWM), ${mib(cold.m.peakBytes)} over the whole run; exit ${cold.m.code ?? cold.m.signal} after SIGINT${cpu(cold.m)} until then; ` +
        `WAL up to ${mib(cold.maxWalCatchingUp)} while catching up (${mib(cold.maxWalOverall)} until exit) for a ${mib(cold.warehouseBytes)} warehouse`,
    );
    console.log(`  rebuild: ${(rb.m.wallMs / 1000).toFixed(2)} s${cpu(rb.m)}; ${rb.note || rb.diff.join('; ')}`);
    console.log(`  DuckDB: ${(dd.m.wallMs / 1000).toFixed(2)} s${cpu(dd.m)}; ${dd.note}${dd.studentsFrom === 'CSV export' ? ' (the students table exported to CSV with better-sqlite3 beforehand, not counted: its sqlite extension is not in the npm package)' : ''}`);
    for (const [who, o] of [['rebuild', rb], ['DuckDB', dd]] as const) if (o.diff.length > 0) console.log(`  ${who} NOT EXACT: ${o.diff.join('; ')}`);
    console.log(`  ${loadLine()}`);
    console.log();
    const head = ['test runs', 'start caught up s', 'rebuild s', 'DuckDB s', 'start peak RSS', 'rebuild peak RSS', 'DuckDB peak RSS', 'max WAL catching up', 'exact (start, rebuild, DuckDB)'];
    const row = [
      fmt(h.runs),
      caught === null ? 'never' : (caught / 1000).toFixed(2),
      (rb.m.wallMs / 1000).toFixed(2),
      (dd.m.wallMs / 1000).toFixed(2),
      mib(cold.peakAtCaughtUp),
      mib(rb.m.peakBytes),
      mib(dd.m.peakBytes),
      mib(cold.maxWalCatchingUp),
      [caught !== null, rb.diff.length === 0, dd.diff.length === 0].map((x) => (x ? 'yes' : 'NO')).join(', '),
    ];
    const widths = head.map((s, k) => Math.max(s.length, row[k]!.length));
    const line = (c: string[]) => `| ${c.map((s, k) => (k === 0 || k === c.length - 1 ? s.padEnd(widths[k]!) : s.padStart(widths[k]!))).join(' | ')} |`;
    console.log(line(head));
    console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
    console.log(line(row));
    console.log('(start: from the spawn to the first warehouse snapshot equal to the expectation; rebuild and DuckDB: each child process, start to exit)');
    const within = caught !== null && caught <= rb.m.wallMs + 1_000;
    console.log(
      `goal: cold start caught up within rebuild's time plus 1 s: ${caught === null ? 'never caught up' : `${(caught / 1000).toFixed(2)} s against ${(rb.m.wallMs / 1000).toFixed(2)} + 1 s`}: ${within ? 'met' : 'NOT MET'}`,
    );
    console.log(
      `goal: the WAL never more than 64 MiB plus one commit: up to ${mib(cold.maxWalCatchingUp)} while catching up: ` +
        (cold.maxWalCatchingUp <= WAL_GOAL
          ? 'met'
          : `NOT MET, unless the ${mib(cold.maxWalCatchingUp - WAL_GOAL)} over 64 MiB are a single commit (a commit's size is not visible from outside)`),
    );
  } finally {
    await h.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main(process.argv.slice(2));
