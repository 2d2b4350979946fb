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
import { LogFollower } from '../sources/log/follower.ts';

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
        follower = new LogFollower({ ...args, signal: ctx.signal }, from.offset, {
          async batch(b) {
            const { completions } = b;
            await ctx.send(
              { type: 'runs', completions, runs: b.runs, rejected: b.rejected, offset: b.offset, readAt: b.readAt },
              [completions.buffer as ArrayBuffer],
            );
            ctx.counted(b.runs, b.rejected.length);
          },
          log: (event, fields) => ctx.log(event, fields),
          progress: (p) => {
            ctx.position(p.pos, p.lagBytes);
            ctx.publish({ file: p.file });
          },
          sleep: (ms) => ctx.sleep(ms),
          wake: () => ctx.wake(),
        });
        await follower.run();
      },
      stop() {
        follower?.close();
      },
    };
  },
});
