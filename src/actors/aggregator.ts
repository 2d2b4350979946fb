// The Aggregator: the only writer of the warehouse, SQLite or PostgreSQL alike (it holds a
// WarehouseWriter, storage/writer.ts, and never knows which). Record messages fill a transaction,
// each with the source offset it reaches; messages that arrive together share one commit
// (commit-policy.ts), and each source is then told what is committed (acks.ts). While a commit is
// in flight (PostgreSQL answers asynchronously) new messages fill the next transaction; past a
// bound they wait, so that the mailbox fills and the sources slow down.
import { defineActor } from '../runtime/actor.ts';
import { receiverGone, reason } from '../runtime/errors.ts';
import type { SourceName } from '../domain/records.ts';
import { openWriter } from '../storage/open-writer.ts';
import { emptyTx, type WriteTx } from '../storage/writer.ts';
import { Args } from './args.ts';
import { Acks } from './acks.ts';
import { CommitPolicy } from './commit-policy.ts';
import { RateMeter } from './meters.ts';
import { emptyFreshness, encodeFreshness, observeFreshness } from '../domain/freshness.ts';
import { ACTORS, type Committed, type ToAggregator, type ToSource } from './messages.ts';

export interface AggregatorArgs {
  /** A path (SQLite) or a postgres:// URL. */
  warehouse: string;
  minLessons: number;
  /** sourcesId() of what the warehouse is built from. */
  sources: string;
  /** This pipeline's name: its offsets are its own in a warehouse several pipelines share. */
  pipeline?: string;
  /** A transaction open this long, or holding this many records, commits without waiting for a quiet moment. */
  commitMaxMs?: number;
  commitMaxRecords?: number;
}

/** Records waiting in the next transaction while one commits, past which messages wait too. */
const MAX_WAITING_RECORDS = 400_000;

export default defineActor<ToAggregator, ToSource>({
  accepts: ['hello', 'batches', 'students', 'runs'],
  async create(ctx) {
    const a = new Args(ACTORS.aggregator, ctx.args);
    const args = {
      warehouse: a.string('warehouse', 'the warehouse (a path or a postgres:// URL)'),
      minLessons: a.int('minLessons', 3),
      sources: a.string('sources', "the sources' identity"),
      pipeline: a.optionalString('pipeline', "the pipeline's name") ?? 'default',
      commitMaxMs: a.int('commitMaxMs', 50),
      commitMaxRecords: a.int('commitMaxRecords', 200_000),
    };
    const w = await openWriter(args.warehouse, { minLessons: args.minLessons, sources: args.sources, pipeline: args.pipeline }, (event, fields) => ctx.log(event, fields));
    /** The current session of each source: messages of any other are dropped. */
    const sessions = new Map<SourceName, string>();
    const applied = { batches: 0, students: 0, completions: 0, runs: 0, rejected: 0, dropped: 0, commits: 0 };
    const records = new RateMeter();
    const commits = new RateMeter();
    let freshnessMs = 0;
    /** Every commit's freshness, counted into buckets: /metrics' histogram (domain/freshness.ts). */
    const freshness = emptyFreshness();

    // A failed send is said, with why, unless its receiver is known to be gone (it resumes from the
    // warehouse when it comes back).
    const sendFailed = (to: string, what: string) => (err: unknown) => {
      if (!receiverGone(err)) ctx.log('aggregator.send_failed', { to, what, reason: reason(err) });
    };
    const acks = new Acks((source, msg) => ctx.send(ACTORS[source], msg), (source, err) => sendFailed(ACTORS[source], 'committed')(err));

    /** The transaction being filled, its acks, its runs, and when its oldest line was read. */
    let tx: WriteTx | null = null;
    let txAcks = new Map<SourceName, Committed>();
    let txRuns = 0;
    let txRecords = 0;
    let oldestReadAt = 0;
    /** The commit in flight, if any; `again` when a flush came meanwhile. */
    let writing: Promise<void> | null = null;
    let again = false;

    const commit = async (): Promise<void> => {
      const t = tx!;
      const done = txAcks;
      const runs = txRuns;
      const readAt = oldestReadAt;
      tx = null;
      txAcks = new Map();
      txRuns = 0;
      txRecords = 0;
      oldestReadAt = 0;
      const r = await w.write(t);
      applied.commits++;
      applied.batches += r.batches;
      applied.students += r.students;
      applied.completions += r.completions;
      applied.rejected += r.rejected;
      applied.runs += runs;
      commits.add(1);
      policy.committed();
      if (readAt > 0) {
        freshnessMs = Date.now() - readAt;
        observeFreshness(freshness, freshnessMs);
      }
      for (const ack of done.values()) acks.set(ack);
      acks.flush();
      ctx.publish({ ...applied, records: records.count, rate: records.rate(), commit_rate: commits.rate(), freshness_ms: freshnessMs, freshness_hist: encodeFreshness(freshness) });
    };

    /** Commits what is waiting, after the commit in flight; resolves once it is committed. A failure is the actor's crash. */
    const flush = (): Promise<void> => {
      if (writing !== null) {
        again = true;
        return writing;
      }
      if (tx === null) return Promise.resolve();
      writing = commit().finally(() => {
        writing = null;
        if (again) {
          again = false;
          void flush();
        }
      });
      return writing;
    };
    /** Resolves once everything received so far is committed (the commit in flight and what waits behind it). */
    const flushAll = async (): Promise<void> => {
      while (writing !== null || tx !== null) await (writing ?? flush());
    };
    const policy = new CommitPolicy({ maxMs: args.commitMaxMs, maxRecords: args.commitMaxRecords }, () => void flush());

    /** The transaction a message of the current session of `source` joins; null for a stale session's. */
    const join = (session: string, source: SourceName): WriteTx | null => {
      if (sessions.get(source) !== session) {
        applied.dropped++;
        return null;
      }
      if (tx === null) {
        tx = emptyTx(new Date().toISOString());
        policy.begun();
      }
      return tx;
    };

    /** What every record message ends with: its offset and ack with its transaction, the commit scheduled. */
    const settle = async (ack: Committed, count: number): Promise<void> => {
      tx!.offsets[ack.source] = ack.offset as never;
      txAcks.set(ack.source, ack);
      records.add(count);
      txRecords += count;
      policy.added(count);
      // Backpressure: a commit in flight and this much waiting behind it.
      if (writing !== null && txRecords > MAX_WAITING_RECORDS) await writing;
    };

    return {
      async handle(msg) {
        switch (msg.type) {
          case 'hello': {
            // Answer from what is committed, with everything before this hello applied.
            await flushAll();
            sessions.set(msg.source, msg.session);
            const to = ACTORS[msg.source];
            const reply = (m: ToSource, transfer?: ArrayBuffer[]) => void ctx.send(to, m, transfer).catch(sendFailed(to, 'resume'));
            switch (msg.source) {
              case 'batches':
                return reply({ type: 'resume', source: 'batches', session: msg.session, offset: await w.offset('batches') });
              case 'students': {
                const known = await w.knownStudentIds();
                return reply({ type: 'resume', source: 'students', session: msg.session, offset: await w.offset('students'), known }, [known.buffer as ArrayBuffer]);
              }
              case 'test_runs':
                return reply({ type: 'resume', source: 'test_runs', session: msg.session, offset: await w.offset('test_runs') });
              default: {
                const never: never = msg.source;
                throw new Error(`hello from unknown source ${String(never)}`);
              }
            }
          }
          case 'batches': {
            const t = join(msg.session, 'batches');
            if (t === null) return;
            for (const b of msg.batches) t.batches.push(b);
            for (const r of msg.rejected) t.rejected.push(r);
            return settle({ type: 'committed', source: 'batches', session: msg.session, offset: msg.cursor }, msg.batches.length + msg.rejected.length);
          }
          case 'students': {
            const t = join(msg.session, 'students');
            if (t === null) return;
            for (const s of msg.students) t.students.push(s);
            for (const r of msg.rejected) t.rejected.push(r);
            return settle({ type: 'committed', source: 'students', session: msg.session, offset: msg.offset }, msg.students.length + msg.rejected.length);
          }
          case 'runs': {
            const t = join(msg.session, 'test_runs');
            if (t === null) return;
            if (msg.completions.length > 0) t.completions.push(msg.completions);
            for (const r of msg.rejected) t.rejected.push(r);
            if (msg.lost !== undefined) for (const l of msg.lost) t.lost.push(l);
            txRuns += msg.runs;
            if (oldestReadAt === 0 || msg.readAt < oldestReadAt) oldestReadAt = msg.readAt;
            return settle({ type: 'committed', source: 'test_runs', session: msg.session, offset: msg.offset }, msg.runs + msg.rejected.length);
          }
          default: {
            const never: never = msg;
            throw new Error(`unexpected message ${JSON.stringify(never)}`);
          }
        }
      },
      async stop() {
        await flushAll();
        await w.close();
      },
    };
  },
});
