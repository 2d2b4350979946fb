// The Aggregator: the only writer of the warehouse. Each record message is applied together with
// the source offset it reaches, in one transaction; messages that arrive together share one
// commit (group commit), and each source is then told what is committed.
import { defineActor } from '../runtime/index.ts';
import { Warehouse } from '../storage/warehouse.ts';
import type { Rejected, SourceName } from '../domain/records.ts';
import { ACTORS, type Committed, type ToAggregator, type ToSource } from './messages.ts';

export interface AggregatorArgs {
  warehouse: string;
  minLessons: number;
  /** sourcesId() of what the warehouse is built from. */
  sources: string;
  /** A transaction open this long, or holding this many records, commits without waiting for a quiet moment. */
  commitMaxMs?: number;
  commitMaxRecords?: number;
}

const SOURCES: readonly SourceName[] = ['batches', 'students', 'test_runs'];
/** Above this many records per ms (200,000/s) the pipeline is under heavy load: see schedule(). */
const HEAVY_PER_MS = 200;
const HEAVY_COMMIT_MS = 4;
const HEAVY_WINDOW_MS = 25;

export default defineActor<ToAggregator, ToSource>({
  accepts: ['hello', 'batches', 'students', 'runs'],
  create(ctx) {
    const args = ctx.args as AggregatorArgs;
    const maxMs = args.commitMaxMs ?? 50;
    const maxRecords = args.commitMaxRecords ?? 200_000;
    const w = Warehouse.open(args.warehouse, { minLessons: args.minLessons, sources: args.sources });
    w.startCheckpointer(50, (event, fields) => ctx.log(event, fields));
    const sessions = new Map<SourceName, string>();
    // Acks: the newest per source, at most one in flight per source (a slow source coalesces them).
    const acks = new Map<SourceName, Committed>();
    const acking = new Set<SourceName>();
    const applied = { batches: 0, students: 0, completions: 0, runs: 0, rejected: 0 };
    let dropped = 0;
    let commits = 0;
    let txStart = 0;
    let txRecords = 0;
    let scheduled = false;
    let oldestReadAt = 0;
    let lastFreshMs = 0;
    let windowStart = Date.now();
    let windowRuns = 0;
    let rate = 0;
    let busy = false;
    let loadSince = performance.now();
    let loadRecords = 0;

    const ack = (source: SourceName): void => {
      if (acking.has(source)) return;
      const msg = acks.get(source);
      if (msg === undefined) return;
      acks.delete(source);
      acking.add(source);
      // Not awaited: a source restarting must not hold up commits. A lost ack is harmless (it is
      // status only; sources resume from the warehouse).
      ctx
        .send(ACTORS[source], msg)
        .catch(() => {})
        .finally(() => {
          acking.delete(source);
          ack(source);
        });
    };

    const flush = (): void => {
      scheduled = false;
      if (!w.inTransaction) return;
      w.commit();
      commits++;
      // Records per ms over the last HEAVY_WINDOW_MS or more: past HEAVY_PER_MS, commits are spaced.
      const t = performance.now();
      loadRecords += txRecords;
      if (t - loadSince >= HEAVY_WINDOW_MS) {
        busy = loadRecords / (t - loadSince) > HEAVY_PER_MS;
        loadSince = t;
        loadRecords = 0;
      }
      const now = Date.now();
      if (oldestReadAt > 0) lastFreshMs = now - oldestReadAt;
      oldestReadAt = 0;
      txRecords = 0;
      if (now - windowStart >= 1000) {
        rate = Math.round((windowRuns * 1000) / (now - windowStart));
        windowStart = now;
        windowRuns = 0;
      }
      for (const s of SOURCES) ack(s);
      ctx.publish({
        commits,
        ...applied,
        dropped,
        runs_per_s: rate,
        commit_ms_after_read: lastFreshMs,
      });
    };

    // Commit once the messages already delivered are applied: setImmediate runs after the
    // event-loop phase that delivers port messages, so a burst shares one commit, and a lone
    // message commits at once. Under heavy load a commit waits HEAVY_COMMIT_MS for more: each
    // commit rewrites every page it dirtied (the students rows of a whole school, at 500,000
    // runs/s), so commits every millisecond cost more than the records in them.
    const schedule = (records: number): void => {
      txRecords += records;
      if (txRecords >= maxRecords || Date.now() - txStart >= maxMs) return flush();
      if (!scheduled) {
        scheduled = true;
        // `busy` is measured at commits only: the first message after a heavy spell ends can wait
        // HEAVY_COMMIT_MS once. Aging it here measured worse catch-up (0.8-1.0M runs/s against
        // 1.1-1.4M, two runs each of bench/freshness.ts), for a one-time 4 ms.
        if (busy) setTimeout(flush, HEAVY_COMMIT_MS);
        else setImmediate(flush);
      }
    };

    const begin = (session: string, source: SourceName): string | null => {
      if (sessions.get(source) !== session) {
        dropped++;
        return null;
      }
      if (!w.inTransaction) {
        w.begin();
        txStart = Date.now();
      }
      return new Date().toISOString();
    };

    /** What every record message ends with: its rejections and its offset in the transaction, its ack, the commit. */
    const settle = (ack: Committed, rejected: readonly Rejected[], now: string, records: number): void => {
      applied.rejected += w.reject(rejected, now);
      w.setOffset<SourceName>(ack.source, ack.offset, now);
      acks.set(ack.source, ack);
      schedule(records + rejected.length);
    };

    return {
      handle(msg) {
        switch (msg.type) {
          case 'hello': {
            // Answer from what is committed, with everything before this hello applied.
            flush();
            sessions.set(msg.source, msg.session);
            const to = ACTORS[msg.source];
            const reply = (m: ToSource, transfer?: ArrayBuffer[]) => void ctx.send(to, m, transfer).catch(() => {});
            switch (msg.source) {
              case 'batches':
                return reply({ type: 'resume', source: 'batches', session: msg.session, offset: w.offset('batches') });
              case 'students': {
                const known = w.knownStudentIds();
                return reply({ type: 'resume', source: 'students', session: msg.session, offset: w.offset('students'), known }, [known.buffer as ArrayBuffer]);
              }
              case 'test_runs':
                return reply({ type: 'resume', source: 'test_runs', session: msg.session, offset: w.offset('test_runs') });
              default: {
                const never: never = msg.source;
                throw new Error(`hello from unknown source ${String(never)}`);
              }
            }
          }
          case 'batches': {
            const now = begin(msg.session, 'batches');
            if (now === null) return;
            applied.batches += w.applyBatches(msg.batches, now);
            return settle({ type: 'committed', source: 'batches', session: msg.session, offset: msg.cursor }, msg.rejected, now, msg.batches.length);
          }
          case 'students': {
            const now = begin(msg.session, 'students');
            if (now === null) return;
            applied.students += w.applyStudents(msg.students, now);
            return settle({ type: 'committed', source: 'students', session: msg.session, offset: msg.offset }, msg.rejected, now, msg.students.length);
          }
          case 'runs': {
            const now = begin(msg.session, 'test_runs');
            if (now === null) return;
            applied.completions += w.applyCompletions(msg.completions, now);
            applied.runs += msg.runs;
            windowRuns += msg.runs;
            if (oldestReadAt === 0 || msg.readAt < oldestReadAt) oldestReadAt = msg.readAt;
            return settle({ type: 'committed', source: 'test_runs', session: msg.session, offset: msg.offset }, msg.rejected, now, msg.runs);
          }
          default: {
            const never: never = msg;
            throw new Error(`unexpected message ${JSON.stringify(never)}`);
          }
        }
      },
      async stop() {
        flush();
        await w.close();
      },
    };
  },
});
