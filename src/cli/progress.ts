// Progress of reading the log's history (rebuild, a cold start): a bar on a terminal (bytes read,
// runs/s, time left), plain lines on stderr otherwise, every 2 s (a read shorter than that prints
// none, so that a small rebuild's output stays its one result line).
import { createRequire } from 'node:module';
import type cliProgressModule from 'cli-progress';

// Loaded only for a terminal: with its dependencies it is a dozen modules (about 20 ms) that a
// rebuild writing to a pipe or a file would load for nothing, before its threads are handed work.
const require = createRequire(import.meta.url);

export interface HistoryProgress {
  update(p: { bytes: number; total: number; runs: number }): void;
  stop(): void;
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(bytes < 1e8 ? 1 : 0)} MB`;
const PLAIN_EVERY_MS = 2_000;

/** `now`: the clock, in ms (a test's own). */
export function historyProgress(command: string, out: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr, now: () => number = () => performance.now()): HistoryProgress {
  const started = now();
  const rates = (p: { bytes: number; total: number; runs: number }) => {
    const s = (now() - started) / 1000;
    const left = p.bytes > 0 ? ((p.total - p.bytes) * s) / p.bytes : NaN;
    return { runsPerS: s > 0 ? Math.round(p.runs / s) : 0, left: Number.isFinite(left) ? Math.ceil(left) : '?' };
  };
  if (out.isTTY) {
    const cliProgress = require('cli-progress') as typeof cliProgressModule;
    const bar = new cliProgress.SingleBar(
      {
        stream: out,
        format: `${command}: history [{bar}] {percentage}% | {read} of {size} | {rate} runs/s | {left} s left`,
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    let begun = false;
    return {
      update(p) {
        const r = rates(p);
        const payload = { read: mb(p.bytes), size: mb(p.total), rate: r.runsPerS.toLocaleString('en-US'), left: r.left };
        if (!begun) bar.start(p.total, p.bytes, payload);
        else bar.update(p.bytes, payload);
        begun = true;
      },
      stop() {
        if (begun) bar.stop();
      },
    };
  }
  let last = started;
  let printed = false;
  return {
    update(p) {
      const at = now();
      const done = p.bytes >= p.total;
      if (done ? !printed : at - last < PLAIN_EVERY_MS) return;
      last = at;
      printed = true;
      const r = rates(p);
      const pct = p.total > 0 ? Math.floor((100 * p.bytes) / p.total) : 100;
      out.write(`${command}: history ${mb(p.bytes)} of ${mb(p.total)} read (${pct}%), ${r.runsPerS.toLocaleString('en-US')} runs/s, ${r.left} s left\n`);
    },
    stop() {},
  };
}
