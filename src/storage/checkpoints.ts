// The warehouse writer's checkpoints, on a thread of their own (checkpointer.mjs): the writer's
// commits never wait for a checkpoint and its fsync. Measured with bench/freshness.ts: checkpoints
// inside commits took p99 freshness at 50,000 runs/s from 3.5 ms to 6.6 ms and the sustained rate
// from 400,000 to 300,000 runs/s. Should the thread fail, SQLite's own checkpoints inside commits
// come back.
//
// A checkpoint beside a busy writer copies the WAL but rarely lets it start over: the WAL starts
// over only when a write begins with every frame copied and no reader in it, and a writer that
// never pauses always has frames in flight. So the WAL grew (1.2 GB in a catch-up of 3M runs). The
// writer therefore restarts it itself, between two of its transactions, once this thread reports
// it past WAL_RESTART_BYTES: most of it is copied by then, so the writer waits only for the rest.
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** Past this much WAL the writer restarts it itself (see Warehouse.commit). */
export const WAL_RESTART_BYTES = 24 << 20;

export class Checkpoints {
  private thread: Worker | null;
  /** Frames in the WAL at the thread's last checkpoint (every intervalMs). */
  walFrames = 0;

  constructor(
    private readonly db: Database.Database,
    path: string,
    intervalMs: number,
    onEvent: (event: string, fields: Record<string, unknown>) => void,
  ) {
    db.pragma('wal_autocheckpoint = 0');
    // Checkpoints beside a busy writer rarely let the WAL start over, so it grows under load;
    // once it does start over, it is cut back to this size.
    db.pragma('journal_size_limit = 67108864');
    const w = new Worker(new URL('./checkpointer.mjs', import.meta.url), { workerData: { path, intervalMs } });
    const fallBack = (why: string): void => {
      if (this.thread !== w) return;
      this.thread = null;
      if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
      onEvent('warehouse.checkpointer_failed', { why });
    };
    w.on('message', (m: { type: string; message?: string; log?: number }) => {
      if (m.type === 'failed') fallBack(m.message ?? 'failed');
      if (m.type === 'checkpointed' && m.log !== undefined) this.walFrames = m.log;
    });
    w.on('error', (err) => fallBack(err.message));
    w.on('exit', (code) => fallBack(`exited with code ${code}`));
    w.unref();
    this.thread = w;
  }

  /** Stops the thread (it closes its connection); within half a second, else it is terminated. */
  async stop(): Promise<void> {
    const w = this.thread;
    this.thread = null;
    if (w === null) return;
    const exited = new Promise((r) => w.once('exit', r));
    // Held (ref'd) while it stops: a process with nothing else to do would otherwise end in the
    // middle of this close, with the caller's promise never settled.
    w.ref();
    w.postMessage('stop');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 500)))]);
    clearTimeout(timer);
    await w.terminate();
  }
}
