// How fast the simulator writes its history (goal of issue 3: 10,000,000 test runs in under 30 s),
// how fast the API pages through 100,000 batches, and the measured tricks the code relies on.
// Run: node --import=tsx bench/simulator.ts [--full]   (--full adds the maximum sizes: 20M runs)
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startSimulator, type HistoryOptions } from '../src/simulator/index.ts';
import { IsoFormatter } from '../src/simulator/names.ts';
import { machineLine } from './machine.ts';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function history(label: string, h: Required<HistoryOptions>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bb-bench-'));
  try {
    const start = performance.now();
    const sim = await startSimulator({ dir, history: h, live: false });
    const wall = (performance.now() - start) / 1000;
    const t = sim.historyTimings;
    const bytes = statSync(sim.logPath).size + statSync(sim.studentsPath).size;
    const rss = process.memoryUsage().rss;
    const e = performance.now();
    const w = sim.expected();
    const expectMs = performance.now() - e;
    await sim.close();
    console.log(
      `${label.padEnd(34)} ${wall.toFixed(1).padStart(6)} s total | batches ${(t.batchesMs / 1000).toFixed(2)} s, students ${(t.studentsMs / 1000).toFixed(2)} s, ` +
        `test runs ${(t.testRunsMs / 1000).toFixed(2)} s = ${fmt(h.testRuns / (t.testRunsMs / 1000))} lines/s | ${(bytes / 2 ** 20).toFixed(0)} MiB written | ` +
        `rss ${(rss / 2 ** 20).toFixed(0)} MiB | expected() ${(expectMs / 1000).toFixed(2)} s over ${fmt(w.students.length)} students`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function paging(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bb-bench-'));
  try {
    const sim = await startSimulator({ dir, history: { batches: 100_000, students: 0, testRuns: 0 }, live: false });
    const start = performance.now();
    let url = `${sim.apiUrl}/batches?limit=100`;
    let n = 0;
    let pages = 0;
    for (;;) {
      const page = (await (await fetch(url)).json()) as { batches: { id: number; created_at: string }[]; has_more: boolean };
      n += page.batches.length;
      pages++;
      const last = page.batches.at(-1);
      if (!page.has_more || last === undefined) break;
      url = `${sim.apiUrl}/batches?limit=100&after=${last.created_at}&after_id=${last.id}`;
    }
    const s = (performance.now() - start) / 1000;
    await sim.close();
    console.log(`${'API: page through 100,000 batches'.padEnd(34)} ${s.toFixed(1).padStart(6)} s | ${fmt(pages)} pages of 100, ${fmt(pages / s)} pages/s, ${fmt(n)} batches`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The history's timestamps are ~3 s apart: IsoFormatter (day-cached prefix) against toISOString. */
function isoFormat(): void {
  const n = 10_000_000;
  const t0 = Date.parse('2021-06-01T00:00:00.000Z');
  let sink = 0;
  const f = new IsoFormatter();
  let s = performance.now();
  for (let i = 0; i < n; i++) sink += f.format(t0 + i * 3_011).length;
  const ours = performance.now() - s;
  s = performance.now();
  for (let i = 0; i < n; i++) sink += new Date(t0 + i * 3_011).toISOString().length;
  const native = performance.now() - s;
  console.log(`${'timestamps: 10M, 3 s apart'.padEnd(34)} IsoFormatter ${(ours / 1000).toFixed(2)} s, toISOString ${(native / 1000).toFixed(2)} s (${(native / ours).toFixed(1)}x) [${sink % 7}]`);
}

/** LogWriter's choice: encode each line into a 4 MiB buffer, or append to a string written at 4 MiB. */
function logBuffer(): void {
  const n = 3_000_000;
  const dir = mkdtempSync(join(tmpdir(), 'bb-bench-'));
  const line = (i: number) =>
    `{"id": "tr-${String(i).padStart(9, '0')}", "student_id": ${i % 5000}, "lesson_id": ${i % 40}, "passing_count": ${i % 13}, "failure_count": 0, "created_at": "2024-01-01T00:00:00.000Z"}\n`;
  const viaString = () => {
    const fd = openSync(join(dir, 'a'), 'w');
    let s = '';
    for (let i = 0; i < n; i++) {
      s += line(i);
      if (s.length >= 4 << 20) {
        writeSync(fd, s);
        s = '';
      }
    }
    writeSync(fd, s);
    closeSync(fd);
  };
  const viaBuffer = () => {
    const fd = openSync(join(dir, 'b'), 'w');
    const buf = Buffer.allocUnsafe(4 << 20);
    let len = 0;
    for (let i = 0; i < n; i++) {
      const t = line(i);
      if (len + t.length * 3 > buf.length) {
        writeSync(fd, buf, 0, len);
        len = 0;
      }
      len += buf.write(t, len, 'utf8');
    }
    writeSync(fd, buf, 0, len);
    closeSync(fd);
  };
  const time = (f: () => void) => {
    const s = performance.now();
    f();
    return (performance.now() - s) / 1000;
  };
  try {
    const r = [time(viaString), time(viaBuffer), time(viaString), time(viaBuffer)];
    console.log(`${'log: 3M lines, two runs each'.padEnd(34)} one big string ${r[0]!.toFixed(2)}/${r[2]!.toFixed(2)} s, buffer per line ${r[1]!.toFixed(2)}/${r[3]!.toFixed(2)} s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  console.log('# simulator: generating the history, serving pages');
  console.log(machineLine());
  isoFormat();
  logBuffer();
  await history('history: defaults', { batches: 100, students: 5_000, testRuns: 500_000 });
  await history('history: 10M test runs', { batches: 100, students: 5_000, testRuns: 10_000_000 });
  await history('history: 100k/1M/10M', { batches: 100_000, students: 1_000_000, testRuns: 10_000_000 });
  if (argv.includes('--full')) await history('history: maximum 100k/1M/20M', { batches: 100_000, students: 1_000_000, testRuns: 20_000_000 });
  await paging();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
