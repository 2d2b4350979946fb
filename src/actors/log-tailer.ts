// LogTailer: follows test_runs.log (CONTRACTS §3) and sends its completing runs to the Aggregator.
//
// It resumes only from the offset the warehouse holds (the session protocol of messages.ts): the
// file identity (dev, ino), the byte position after the last complete line, and the file's first
// bytes. The following itself (rotations, truncations, partial and over-long lines) is in
// sources/log-follower.ts; parsing in sources/log-lines.ts, shared with `rebuild`.
//
// Splitting and parsing: bench/splitter.ts, 1,000,000 simulator lines (142 bytes/line, 1% line
// variants) on 2 cores (AMD EPYC), node 20.20:
//   readline-transform + checkLine (JSON.parse)     ~390,000 lines/s
//   Buffer.indexOf + checkLine (JSON.parse)         ~580,000 lines/s
//   LineReader: bytes, canonical fast path         ~3,300,000 lines/s   <- used here
// so the LogTailer does not use readline-transform: it splits Buffers itself and reads the
// canonical line straight from its bytes, with checkLine for every other line.
//
// One message per read (at most maxBatchBytes), sent as soon as it is parsed: at 50k lines/s a
// wake-up finds a few hundred KB, so a line waits for the next fs.watch event, not for a batch to
// fill. `await ctx.send` holds the reading while the Aggregator's mailbox is full.
import { defineActor } from '../runtime/index.ts';
import { ACTORS, type ToAggregator, type ToSource } from './messages.ts';
import { SourceSession } from './session.ts';
import { LogFollower, type FollowBatch } from '../sources/log/follower.ts';

export interface LogTailerArgs {
  /** Path of test_runs.log; its rotated files (PATH.1, ...) sit beside it. */
  log: string;
  /** Polling fallback beside fs.watch, ms. Default 100. */
  pollMs?: number;
  /** Bytes per read, and so at most per message. Default 1 MiB. */
  maxBatchBytes?: number;
}


/** `rate` is runs/s over about this long. */
const RATE_WINDOW_MS = 5_000;

function checkArgs(raw: unknown): Required<LogTailerArgs> {
  const a = (raw ?? {}) as Record<string, unknown>;
  if (typeof a['log'] !== 'string' || a['log'] === '') throw new Error('LogTailer args.log must be the path of test_runs.log');
  const positive = (field: string, dflt: number, min: number): number => {
    const v = a[field] ?? dflt;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new Error(`LogTailer args.${field} must be an integer >= ${min}`);
    return v;
  };
  return { log: a['log'], pollMs: positive('pollMs', 100, 1), maxBatchBytes: positive('maxBatchBytes', 1 << 20, 4096) };
}

export default defineActor<ToSource, ToAggregator>({
  accepts: ['resume', 'committed'],
  create(ctx) {
    const args = checkArgs(ctx.args);
    const session = new SourceSession(ctx, 'test_runs');
    let follower: LogFollower | null = null;
    const n = { runs: 0, rejected: 0 };
    /** (time, runs) samples, oldest first, one at most every 250 ms, spanning RATE_WINDOW_MS. */
    const samples: { at: number; runs: number }[] = [];

    const rate = (): number => {
      const now = Date.now();
      const last = samples[samples.length - 1];
      if (last === undefined || now - last.at >= 250) samples.push({ at: now, runs: n.runs });
      while (samples.length > 2 && now - samples[1]!.at >= RATE_WINDOW_MS) samples.shift();
      const first = samples[0]!;
      return now > first.at ? Math.round(((n.runs - first.runs) * 1000) / (now - first.at)) : 0;
    };

    const send = async (b: FollowBatch): Promise<void> => {
      const { completions } = b;
      await ctx.send(
        ACTORS.aggregator,
        { type: 'runs', session: session.id, completions, runs: b.runs, rejected: b.rejected, offset: b.offset, readAt: b.readAt },
        [completions.buffer as ArrayBuffer],
      );
      n.runs += b.runs;
      n.rejected += b.rejected.length;
      ctx.publish({ ...n, rate: rate() });
    };

    return {
      handle(msg) {
        switch (msg.type) {
          case 'resume':
            session.takeResume(msg);
            return;
          case 'committed': {
            const ack = session.mine(msg);
            if (ack !== null) ctx.publish({ committed_pos: ack.offset.pos });
            return;
          }
          default: {
            const never: never = msg;
            throw new Error(`LogTailer: unexpected message ${JSON.stringify(never)}`);
          }
        }
      },

      async run() {
        const from = await session.open();
        if (from === null) return;
        ctx.log('log.resumed', { log: args.log, offset: from.offset });
        ctx.publish({ ...n, rate: 0, committed_pos: from.offset?.pos ?? 0 });
        // The rate decays to 0 when nothing arrives: refreshed even without batches.
        const rateTimer = setInterval(() => ctx.publish({ rate: rate() }), 1_000);
        follower = new LogFollower({ log: args.log, pollMs: args.pollMs, maxBatchBytes: args.maxBatchBytes, signal: ctx.signal }, from.offset, {
          batch: send,
          log: (event, fields) => ctx.log(event, fields),
          progress: (p) => ctx.publish({ file: p.file, pos: p.pos, lag_bytes: p.lagBytes }),
        });
        try {
          await follower.run();
        } finally {
          clearInterval(rateTimer);
        }
      },

      stop() {
        follower?.close();
      },
    };
  },
});
