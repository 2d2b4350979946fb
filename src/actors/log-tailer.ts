// LogTailer: follows test_runs.log (CONTRACTS §3) and sends its completing runs to the Aggregator.
//
// It resumes only from the offset the warehouse holds: the file identity (dev, ino), the byte
// position after the last complete line, and the file's first bytes. The following itself
// (rotations, truncations, partial and over-long lines) is sources/log/follower.ts; parsing is
// sources/log/lines.ts and parse.ts, shared with `rebuild`.
//
// Splitting and parsing: bench/splitter.ts, 1,000,000 simulator lines (142 bytes/line, 1% line
// variants) on 2 cores (AMD EPYC), node 20.20:
//   readline-transform + checkLine (JSON.parse)     ~390,000 lines/s
//   Buffer.indexOf + checkLine (JSON.parse)         ~580,000 lines/s
//   LineReader: bytes, canonical fast path         ~3,300,000 lines/s   <- used here
//
// One message per read (at most maxBatchBytes), sent as soon as it is parsed: at 50k lines/s a
// wake-up finds a few hundred KB, so a line waits for the next fs.watch event, not for a batch to
// fill. `await ctx.send` holds the reading while the Aggregator's mailbox is full.
import { defineSource } from './source.ts';
import { LogFollower, type FollowerHooks } from '../sources/log/follower.ts';
import type { LogOffset } from '../domain/offsets.ts';
import type { LostLog } from '../storage/history.ts';

export interface LogTailerArgs {
  /** Path of test_runs.log; its rotated files (PATH.1, ...) sit beside it. */
  log: string;
  /** Polling fallback beside fs.watch, ms. Default 100. */
  pollMs?: number;
  /** Bytes per read, and so at most per message. Default 1 MiB. */
  maxBatchBytes?: number;
}

export default defineSource({
  source: 'test_runs',
  lagUnit: 'bytes',
  args: (a): Required<LogTailerArgs> => ({
    log: a.string('log', 'the path of test_runs.log'),
    pollMs: a.int('pollMs', 100),
    maxBatchBytes: a.int('maxBatchBytes', 1 << 20, 4096),
  }),
  shown: (offset) => offset?.pos ?? 0,
  create(ctx, args) {
    let follower: LogFollower | null = null;
    return {
      async run(from) {
        ctx.log('log.resumed', { log: args.log, offset: from.offset });
        // --- lost history (storage/history.ts): lines read that the log no longer holds ---
        /** The offset last sent (or resumed from): it names the file a loss was seen in, and a loss sent alone carries it. */
        let last: LogOffset | null = from.offset;
        /** Losses the follower reported, not sent yet: they go with the next message. */
        let lost: LostLog[] = [];
        /** A message carrying losses alone, being sent: the next send waits for it, so messages keep their order. */
        let sending: Promise<void> | null = null;
        const takeLost = (): { lost?: LostLog[] } => {
          if (lost.length === 0) return {};
          const taken = lost;
          lost = [];
          return { lost: taken };
        };
        /** Losses with no message to ride on (the follower is caught up): sent alone, offset unchanged. */
        const sendLostAlone = (): void => {
          if (lost.length === 0 || last === null || sending !== null) return;
          const p = ctx.send({ type: 'runs', completions: new Float64Array(0), runs: 0, rejected: [], offset: last, readAt: Date.now(), ...takeLost() });
          sending = p.then(() => {
            sending = null;
          });
          sending.catch(() => {}); // thrown where the next batch or sleep awaits it, as a batch's failed send is
        };
        // --- end lost history ---
        const hooks: FollowerHooks & { lost(l: Omit<LostLog, 'key'>): void } = {
          async batch(b) {
            await sending;
            const { completions } = b;
            await ctx.send(
              { type: 'runs', completions, runs: b.runs, rejected: b.rejected, offset: b.offset, readAt: b.readAt, ...takeLost() },
              [completions.buffer as ArrayBuffer],
            );
            last = b.offset;
            ctx.counted(b.runs, b.rejected.length);
          },
          // The same loss seen again (reported before a crash, not committed, seen again) is one row:
          // the key names it by the file identity last sent, which a re-read from the stored offset repeats.
          lost(l) {
            const at = last === null ? '' : `@${last.dev}:${last.ino}:${last.head}`;
            lost.push({ reason: l.reason, file: l.file, pos: l.pos, key: `${l.reason}:${l.file}:${l.pos}${at}` });
          },
          log: (event, fields) => ctx.log(event, fields),
          progress: (p) => {
            ctx.position(p.pos, p.lagBytes);
            ctx.publish({ file: p.file });
            sendLostAlone();
          },
          sleep: async (ms) => {
            await sending;
            return ctx.sleep(ms);
          },
          wake: () => ctx.wake(),
        };
        follower = new LogFollower({ ...args, signal: ctx.signal }, from.offset, hooks);
        await follower.run();
      },
      stop() {
        follower?.close();
      },
    };
  },
});
