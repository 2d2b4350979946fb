// One transaction of a pipeline's writer (PgWarehouse.write): its statements, and its runs again
// until it commits.
//
// Exactly once. Each write() is ONE transaction holding the records and this pipeline's offsets.
// Every statement in it is idempotent: completions, students and rejections are inserted ON
// CONFLICT DO NOTHING on their keys, batches are upserted by id (an older version never replaces a
// newer one), offsets are set to a value. Counts move only by what a statement reports it inserted
// (RETURNING): a student's `completed` by the pairs this transaction inserted for it, a batch's
// `student_count` by the students it inserted, `qualified_students` by the students that crossed the
// minimum here. So running a transaction again, after its commit took place or not, changes nothing
// that is already there: a connection lost at any moment (even between COMMIT and its answer) is
// reconnected and the transaction run again. The pipeline's `last_tx` row, set in the transaction,
// tells after a lost answer whether the commit took place (then it is not run again, and what it
// applied is reported right).
//
// Several pipelines. Every transaction first takes the warehouse's write lock (a transaction-level
// advisory lock): SHARED when it carries only completions, rejections, lost history and offsets,
// EXCLUSIVE when it carries students or batches (or recounts for another minimum). So a new student
// or batch is never inserted while another transaction moves counts that would have to include it
// (the one race of counting by inserts: a pair inserted by one pipeline while another inserts its
// student, each unseen by the other), while the common transactions of several pipelines run side by
// side. Those take their row locks in one order (pairs sorted, students then batches by id, locked
// with ORDER BY ... FOR UPDATE), so they wait for each other rather than deadlock; a deadlock or
// serialization failure all the same is retried (the whole transaction, with backoff, bounded).
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { Applied } from '../writer.ts';
import { classify, oneLine, pgFault } from './errors.ts';
import { intArray, isoArray, pgText, type PreparedTx } from './prepare.ts';
import { copyIn, pairChunks } from './copy.ts';
import type { WriterConnection } from './connection.ts';
import * as SQL from './sql.ts';

/** Pairs past which a transaction sends its completions by COPY instead of as arrays. */
const COPY_PAIRS = 100_000;

/** What a transaction takes of its writer, besides the connection. */
export interface TxSettings {
  /** The warehouse's write lock (pipelines.ts Keys). */
  writeLock: string;
  /** The writer's minimum of lessons, where meta holds none. */
  minLessons: number;
  /** Runs after deadlocks or serialization failures before giving up (PgOpenOptions). */
  maxRetries: number;
}

/**
 * Runs `p` until it commits: again after a deadlock or serialization failure (bounded), and after a lost connection (reconnecting, bounded by time).
 * `seq` names this transaction in the pipeline's `last_tx`.
 */
export async function applyTx(conn: WriterConnection, p: PreparedTx, seq: string, w: TxSettings): Promise<Applied> {
  let retries = 0;
  let deadline = Infinity;
  for (;;) {
    let commitSent = false;
    let applied: Applied | null = null;
    const c = await conn.ready(deadline);
    try {
      applied = await attempt(c, p, conn.pipeline, seq, w, (a) => {
        applied = a;
        commitSent = true;
      });
      return applied;
    } catch (err) {
      const kind = classify(err);
      if (kind === 'retry' && retries < w.maxRetries) {
        retries++;
        await c.query('ROLLBACK').catch(() => {});
        conn.event('warehouse.retry', { code: (err as { code?: string }).code, retries });
        await sleep(Math.min(1_000, 5 * 2 ** Math.min(retries, 8)) * (0.5 + Math.random()));
        continue;
      }
      if (kind === 'reconnect') {
        conn.drop();
        if (deadline === Infinity) deadline = Date.now() + conn.reconnectMs();
        conn.event('warehouse.connection_lost', { during: commitSent ? 'commit' : 'transaction', reason: oneLine(conn.target, err) });
        if (commitSent && applied !== null) {
          // The answer to COMMIT was lost: whether the commit took place is in the pipeline's row.
          const done = await committed(conn, seq, deadline);
          if (done) return applied;
        }
        continue;
      }
      await c.query('ROLLBACK').catch(() => {});
      throw pgFault(conn.target, err, 'write');
    }
  }
}

/** One run of the transaction. `sending(applied)` is called just before COMMIT is sent. */
async function attempt(c: pg.Client, p: PreparedTx, pipeline: string, seq: string, w: TxSettings, sending: (a: Applied) => void): Promise<Applied> {
  const lock = p.exclusive ? 'pg_advisory_xact_lock' : 'pg_advisory_xact_lock_shared';
  // One round trip: the transaction, its lock, and the minimum as it stands under that lock.
  const head = (await c.query(`BEGIN; SELECT ${lock}(${w.writeLock}); SELECT value FROM meta WHERE key = 'min_lessons'`)) as unknown as pg.QueryResult<{ value: string }>[];
  const min = Number(head[2]?.rows[0]?.value ?? w.minLessons);
  const applied: Applied = { batches: 0, students: 0, completions: 0, rejected: 0 };
  /** Moves of stored batches' counts: id → [students added, qualified added]. */
  const moves = new Map<number, [number, number]>();
  const move = (batch: number, n: number, q: number) => {
    const m = moves.get(batch);
    if (m === undefined) moves.set(batch, [n, q]);
    else {
      m[0] += n;
      m[1] += q;
    }
  };

  // 1. The pairs; what comes back is what this statement inserted, per student.
  const n = p.students_of_pairs.length;
  if (n > 0) {
    let added: pg.QueryResult<{ student_id: number; k: number; t: string | null }>;
    if (n <= COPY_PAIRS) {
      added = await c.query({
        name: 'bb_completions',
        text: SQL.INSERT_COMPLETIONS,
        values: [intArray(p.students_of_pairs), intArray(p.lessons_of_pairs), isoArray(p.times_of_pairs)],
      });
    } else {
      await c.query(SQL.CREATE_PAIRS_TABLE);
      await copyIn(c, 'COPY bb_pairs (student_id, lesson_id, completed_at) FROM STDIN (FORMAT binary)', pairChunks(p.students_of_pairs, p.lessons_of_pairs, p.times_of_pairs));
      added = await c.query({ name: 'bb_completions_copied', text: SQL.INSERT_COMPLETIONS_COPIED });
    }
    if (added.rows.length > 0) {
      const ids = new Float64Array(added.rows.length);
      const ks = new Float64Array(added.rows.length);
      /** Each touched student's earliest time among its pairs inserted or made earlier here. */
      const earliest = new Map<number, string | null>();
      added.rows.forEach((r, i) => {
        ids[i] = r.student_id;
        ks[i] = r.k;
        applied.completions += r.k;
        earliest.set(r.student_id, r.t);
      });
      // 2. Stored students raised by them; a crossing of the minimum moves its batch.
      const raised = await c.query<{ id: number; batch_id: number; completed: number; k: number; qualified_at: string | null }>({
        name: 'bb_raise_students',
        text: SQL.RAISE_STUDENTS,
        values: [intArray(ids), intArray(ks)],
      });
      for (const r of raised.rows) if (r.completed >= min && r.completed - r.k < min) move(r.batch_id, 0, 1);
      // 3. Their qualified_at, where it can move: a student that qualifies and has none yet, or a
      // pair here earlier than it (times are text of one format: their order is time's). Read from
      // every pair stored (a student's whole list: most commits need none), in a statement of its
      // own, its rows locked: its snapshot comes after any writer that held them before us committed.
      const moved = raised.rows.filter((r) => {
        if (r.completed < min) return false;
        const t = earliest.get(r.id);
        return r.qualified_at === null || (t !== null && t !== undefined && t < r.qualified_at);
      });
      if (moved.length > 0) await c.query({ name: 'bb_qualified_at', text: SQL.SET_QUALIFIED_AT, values: [intArray(moved.map((r) => r.id)), min] });
    }
  }

  // 3. New students (exclusive): each with every pair stored for it; its batch's counts move with it.
  if (p.students.length > 0) {
    const s = p.students;
    const inserted = await c.query<{ batch_id: number; completed: number }>({
      name: 'bb_insert_students',
      text: SQL.INSERT_STUDENTS,
      values: [intArray(s.map((x) => x.id)), s.map((x) => pgText(x.name)), s.map((x) => pgText(x.email)), intArray(s.map((x) => x.batch_id)), s.map((x) => x.created_at), min],
    });
    applied.students = inserted.rows.length;
    for (const r of inserted.rows) move(r.batch_id, 1, r.completed >= min ? 1 : 0);
  }

  // 4. The stored batches' counts, in id order.
  if (moves.size > 0) {
    const ids = [...moves.keys()].sort((a, b) => a - b);
    await c.query({
      name: 'bb_move_batches',
      text: SQL.MOVE_BATCH_COUNTS,
      values: [intArray(ids), intArray(ids.map((id) => moves.get(id)![0])), intArray(ids.map((id) => moves.get(id)![1])), p.now],
    });
  }

  // 5. Batches (exclusive): a new one counts its students stored by now (this transaction's too).
  if (p.batches.length > 0) {
    const b = p.batches;
    const r = await c.query({
      name: 'bb_upsert_batches',
      text: SQL.UPSERT_BATCHES,
      values: [intArray(b.map((x) => x.id)), b.map((x) => pgText(x.name)), b.map((x) => x.start_date), b.map((x) => x.created_at), min, p.now],
    });
    applied.batches = r.rowCount ?? 0;
  }

  // 6-8. Rejections, lost history, this pipeline's offsets and the transaction's id.
  if (p.rejected.length > 0) applied.rejected = await insertRejected(c, p);
  if (p.lost.length > 0) {
    const l = p.lost;
    await c.query({
      name: 'bb_insert_lost',
      text: SQL.INSERT_LOST,
      values: [pipeline, l.map((x) => x.reason), l.map((x) => pgText(x.file)), intArray(l.map((x) => x.pos)), l.map((x) => pgText(x.key)), p.now],
    });
  }
  await c.query({
    name: 'bb_set_offsets',
    text: SQL.SET_OFFSETS,
    values: [pipeline, p.offsets.map((o) => o.source), p.offsets.map((o) => o.value), p.now, seq],
  });
  sending(applied);
  await c.query('COMMIT');
  return applied;
}

export async function insertRejected(c: pg.Client, p: PreparedTx): Promise<number> {
  const r = p.rejected;
  const res = await c.query({
    name: 'bb_insert_rejected',
    text: SQL.INSERT_REJECTED,
    values: [r.map((x) => x.source), r.map((x) => pgText(x.reason)), r.map((x) => pgText(x.raw)), r.map((x) => pgText(x.key)), p.now],
  });
  return res.rowCount ?? 0;
}

/** After a lost answer to COMMIT: whether transaction `seq` is the pipeline's last committed one. */
async function committed(conn: WriterConnection, seq: string, deadline: number): Promise<boolean> {
  for (;;) {
    const c = await conn.ready(deadline);
    try {
      const r = await c.query<{ last_tx: string | null }>('SELECT last_tx FROM pipelines WHERE name = $1', [conn.pipeline]);
      return r.rows[0]?.last_tx === seq;
    } catch (err) {
      if (classify(err) !== 'reconnect') throw pgFault(conn.target, err, 'read');
      conn.drop();
    }
  }
}
