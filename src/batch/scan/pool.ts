// The scan's threads (piscina), apart from the scan itself so that a command can start them before
// it loads the rest of its code: `rebuild` and `verify` do (cli/main.ts), and the threads' own
// start-up (about as long as the command's) then runs on the core the loading leaves idle.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { ScanResult, ScanTask } from './task.ts';

const BUILT = import.meta.url.endsWith('.js');
const WORKER = fileURLToPath(new URL(BUILT ? './worker.js' : './worker-entry.mjs', import.meta.url));

/**
 * The pool of `threads` threads, made once per process and kept: its threads end after a second
 * idle (nothing keeps the process alive), and a second scan (verify after rebuild, a test's
 * next case) does not start threads again. Started (`start`), its threads are made now and kept
 * until closeScanPools; idle, they do not keep the process alive either.
 */
const pools = new Map<number, Piscina<ScanTask, ScanResult>>();
export function poolOf(threads: number, start = false): Piscina<ScanTask, ScanResult> {
  let pool = pools.get(threads);
  // Tasks queued in each thread ahead: the main thread reads the students and the API meanwhile,
  // and a thread must not wait for it to be handed its next range.
  if (pool === undefined) {
    pool = new Piscina({ filename: WORKER, minThreads: start ? threads : 0, maxThreads: threads, idleTimeout: 1_000, concurrentTasksPerWorker: 4 });
    pools.set(threads, pool);
  }
  return pool;
}

/** Starts the threads a scan of a log of more than one range takes (one per core), ahead of it. */
export function warmScanPool(): void {
  poolOf(availableParallelism(), true);
}

/** Ends the pools' threads now (a command that is done need not wait for their idle second). */
export async function closeScanPools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.destroy()));
}
