// The Aggregator: the only writer of the warehouse. Each record message is applied together with
// the source offset it reaches, in one transaction; messages that arrive together share one
// commit (commit-policy.ts), and each source is then told what is committed (acks.ts).
// The runtime's modules one by one, not its index: see source.ts.
import { defineActor } from '../runtime/actor.ts';
import { receiverGone, reason } from '../runtime/errors.ts';
import { Warehouse } from '../storage/warehouse.ts';
import type { Rejected, SourceName } from '../domain/records.ts';
import { Args } from './args.ts';
import { Acks } from './acks.ts';
import { CommitPolicy } from './commit-policy.ts';
import { RateMeter } from './meters.ts';
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

export default defineActor<ToAggregator, ToSource>({
  accepts: ['hello', 'batches', 'students', 'runs'],
  create(ctx) {
    const a = new Args(ACTORS.aggregator, ctx.args);
    const args = {
      warehouse: a.string('warehouse', 'the path of the warehouse'),
      minLessons: a.int('minLessons', 3),
      sources: a.string('sources', "the sources' identity"),
      commitMaxMs: a.int('commitMaxMs', 50),
      commitMaxRecords: a.int('commitMaxRecords', 200_000),
    };
    const w = Warehouse.open(args.warehouse, { minLessons: args.minLessons, sources: args.sources });
    w.startCheckpointer(50, (event, fields) => ctx.log(event, fields));
    /** The current session of each source: messages of any other are dropped. */
    const sessions = new Map<SourceName, string>();
    const applied = { batches: 0, students: 0, completions: 0, runs: 0, rejected: 0, dropped: 0, commits: 0 };
    const records = new RateMeter();
    const commits = new RateMeter();
    /** Date.now() when the oldest line in the open transaction was read: commit time less it is the freshness. */
    let oldestReadAt = 0;
    let freshnessMs = 0;

    // A failed send is said, with why, unless its receiver is known to be gone (it resumes from the
    // warehouse when it comes back).
    const sendFailed = (to: string, what: string) => (err: unknown) => {
      if (!receiverGone(err)) ctx.log('aggregator.send_failed', { to, what, reason: reason(err) });
    };
    const acks = new Acks((source, msg) => ctx.send(ACTORS[source], msg), (source, err) => sendFailed(ACTORS[source], 'committed')(err));

    const flush = (): void => {
      if (!w.inTransaction) return;
      w.commit();
      applied.commits++;
      commits.add(1);
      policy.committed();
      if (oldestReadAt > 0) freshnessMs = Date.now() - oldestReadAt;
      oldestReadAt = 0;
      acks.flush();
      ctx.publish({ ...applied, records: records.count, rate: records.rate(), commit_rate: commits.rate(), freshness_ms: freshnessMs });
    };
    const policy = new CommitPolicy({ maxMs: args.commitMaxMs, maxRecords: args.commitMaxRecords }, flush);

    /** A message of the current session of `source` opens (or joins) the transaction: its time; null for a stale session's. */
    const begin = (session: string, source: SourceName): string | null => {
      if (sessions.get(source) !== session) {
        applied.dropped++;
        return null;
      }
      if (!w.inTransaction) {
        w.begin();
        policy.begun();
      }
      return new Date().toISOString();
    };

    /** What every record message ends with: its rejections and its offset in the transaction, its ack, the commit. */
    const settle = (ack: Committed, rejected: readonly Rejected[], now: string, count: number): void => {
      applied.rejected += w.reject(rejected, now);
      w.setOffset<SourceName>(ack.source, ack.offset, now);
      acks.set(ack);
      records.add(count + rejected.length);
      policy.added(count + rejected.length);
    };

    return {
      handle(msg) {
        switch (msg.type) {
          case 'hello': {
            // Answer from what is committed, with everything before this hello applied.
            flush();
            sessions.set(msg.source, msg.session);
            const to = ACTORS[msg.source];
            const reply = (m: ToSource, transfer?: ArrayBuffer[]) => void ctx.send(to, m, transfer).catch(sendFailed(to, 'resume'));
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
            // Log history the log no longer holds, in the same transaction as these runs and their offset.
            if (msg.lost !== undefined) w.recordLost(msg.lost, now);
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
