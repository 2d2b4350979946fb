// The warehouse's writer on PostgreSQL (CONTRACTS §4, §4b), one per pipeline: several pipelines,
// on several machines, may write one warehouse at once, each with its own offsets.
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
//
// A second writer of the same pipeline is refused: the writer's connection holds a session-level
// advisory lock on the pipeline's name for its life (the server releases it when the connection
// ends, also when the process is killed -9).
import { hostname } from 'node:os';
import type pg from 'pg';
import type { Rejected, SourceName } from '../../domain/records.ts';
import { INITIAL_OFFSETS, type Offsets } from '../../domain/offsets.ts';
import type { CompletionSet, ComputedWarehouse } from '../../domain/aggregate.ts';
import type { Applied, WarehouseWriter, WriteTx } from '../writer.ts';
import type { RejectedCounts } from '../reader.ts';
import { WarehouseError } from '../errors.ts';
import { parsePgUrl, type PgTarget } from './url.ts';
import { connect } from './connect.ts';
import { classify, oneLine, pgFault, where } from './errors.ts';
import { checkCreatable, createSchema, inspectSchema, migrate, PG_SCHEMA_VERSION } from './schema.ts';
import { intArray, isEmptyTx, isoArray, pgText, prepareTx, type PreparedTx } from './prepare.ts';
import { completionChunks, copyIn, copyRows, copyValue, pairChunks } from './copy.ts';
import { generationOf, holderText, lockKeys, pipelineRow, refuseSameSources, type Keys } from './pipelines.ts';
import { useMinLessons } from './min-lessons.ts';
import * as SQL from './sql.ts';

export interface PgOpenOptions {
  /** The pipeline this writer is: its offsets are its own, and a second writer of it is refused while this one lives. */
  pipeline: string;
  minLessons: number;
  /** What this pipeline reads (sourcesId()): a pipeline opened on other sources is refused, its offsets would mean nothing there. */
  sources: string;
  /** `rebuild`: the pipeline is about to be rewritten from these sources, whatever it was built from. */
  replaceSources?: boolean;
  /** How long to keep reconnecting once the connection is lost, before giving up with a WarehouseError (default 60 s). */
  reconnectMs?: number;
  /** Runs of one transaction after deadlocks or serialization failures before giving up (default 20). */
  maxRetries?: number;
  /** Reconnections and retries, for the log. */
  onEvent?: (event: string, fields: Record<string, unknown>) => void;
}

/** What `replaceAll` stored (as warehouse.ts's SnapshotCounts). */
export interface PgSnapshotCounts {
  batches: number;
  students: number;
  completions: number;
  rejected: RejectedCounts;
}

/** Another pipeline's offsets, written by a rebuild over several logs. */
export interface PipelineOffsets {
  pipeline: string;
  sources: string;
  offsets: Offsets;
}

/** Pairs past which a transaction sends its completions by COPY instead of as arrays. */
const COPY_PAIRS = 100_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const NO_CHANGE: Applied = { batches: 0, students: 0, completions: 0, rejected: 0 };

export class PgWarehouse implements WarehouseWriter {
  readonly shown: string;
  readonly pipeline: string;
  private client: pg.Client | null;
  private broken = false;
  /** Calls run one after the other on the one connection. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly session = `${hostname()}:${process.pid}:${Date.now().toString(36)}:${Math.random().toString(36).slice(2, 8)}`;
  private txCount = 0;
  private closed = false;
  private minLessons: number;
  /** The warehouse's generation (meta 'generation', new at every rebuild) this writer's offsets belong to. */
  private generation: string | undefined;

  private constructor(
    readonly target: PgTarget,
    client: pg.Client,
    private readonly keys: Keys,
    private readonly opts: PgOpenOptions,
  ) {
    this.shown = target.shown;
    this.pipeline = opts.pipeline;
    this.client = client;
    this.minLessons = opts.minLessons;
    this.watch(client);
  }

  /**
   * Opens the warehouse at `url` for writing as pipeline `opts.pipeline`. Checks, in this order and
   * writing nothing before all pass: the server answers, it accepts the user, the database exists,
   * the schema is empty or a batchboard warehouse of this version, no other writer of this pipeline
   * lives, the pipeline's sources are these. Then creates the tables (an empty schema), records the
   * pipeline, and recounts for another minimum of lessons. Every failure is a one-line
   * WarehouseError naming the server, database and schema, never the password.
   */
  static async open(url: string, opts: PgOpenOptions): Promise<PgWarehouse> {
    const t = parsePgUrl(url);
    if (opts.pipeline === '') throw new WarehouseError(`warehouse ${t.shown}: a pipeline needs a name`);
    const c = await connect(t, { applicationName: `batchboard ${opts.pipeline}`.slice(0, 63) });
    try {
      const found = await inspectSchema(c, t, 'writes');
      if (found.kind === 'empty') await checkCreatable(c, t, found.schemaExists);
      const keys = await lockKeys(c, t, opts.pipeline);
      const got = await c.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${keys.pipeline}) AS ok`);
      const row = found.kind === 'warehouse' ? await pipelineRow(c, opts.pipeline) : undefined;
      if (got.rows[0]?.ok !== true) {
        throw new WarehouseError(
          `pipeline ${opts.pipeline} is already writing warehouse ${t.shown} (${holderText(row)}): stop it first, or name this one otherwise`,
        );
      }
      if (found.kind === 'warehouse') await refuseSameSources(c, t, opts.pipeline, opts.sources);
      if (row !== undefined && row.sources !== opts.sources && opts.replaceSources !== true) {
        throw new WarehouseError(
          `pipeline ${opts.pipeline} of warehouse ${t.shown} was built from other sources (${row.sources}); its offsets mean nothing for ${opts.sources}: ` +
            'name another pipeline, or run batchboard rebuild',
        );
      }
      // Every check passed: from here on, writes.
      if (found.kind === 'empty') await createSchema(c, t, opts.minLessons);
      else if (found.version < PG_SCHEMA_VERSION) await migrate(c, keys.write);
      const now = new Date().toISOString();
      await c.query(
        `INSERT INTO pipelines (name, sources, host, pid, started_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)
         ON CONFLICT (name) DO UPDATE SET sources = excluded.sources, host = excluded.host, pid = excluded.pid,
           started_at = excluded.started_at, updated_at = excluded.updated_at`,
        [opts.pipeline, opts.sources, hostname(), process.pid, now],
      );
      const w = new PgWarehouse(t, c, keys, opts);
      w.generation = await generationOf(c);
      await useMinLessons(c, keys.write, opts.minLessons);
      return w;
    } catch (err) {
      await c.end().catch(() => {});
      throw pgFault(t, err, 'open');
    }
  }

  get min(): number {
    return this.minLessons;
  }

  // ---- WarehouseWriter ----

  async offset<S extends SourceName>(source: S): Promise<Offsets[S]> {
    return this.serial(() =>
      this.reading(async (c) => {
        const r = await c.query<{ value: string }>({ name: 'bb_offset', text: 'SELECT value FROM offsets WHERE pipeline = $1 AND source = $2', values: [this.pipeline, source] });
        const row = r.rows[0];
        return row === undefined ? INITIAL_OFFSETS[source] : (JSON.parse(row.value) as Offsets[S]);
      }),
    );
  }

  async knownStudentIds(): Promise<Float64Array> {
    return this.serial(() =>
      this.reading(async (c) => {
        const r = await c.query<string[]>({ text: SQL.KNOWN_STUDENT_IDS, rowMode: 'array' });
        const ids: number[] = [];
        // A rejected id past ±2^53 is no number the StudentWatcher counts with: left out, not rounded in.
        for (const [v] of r.rows) {
          const n = Number(v);
          if (v !== undefined && /^-?\d+$/.test(v) && Number.isSafeInteger(n)) ids.push(n);
        }
        return Float64Array.from(ids).sort();
      }),
    );
  }

  async write(tx: WriteTx): Promise<Applied> {
    const p = prepareTx(tx);
    if (isEmptyTx(p)) return { ...NO_CHANGE };
    return this.serial(() => this.run(p));
  }

  async close(): Promise<void> {
    await this.serial(async () => {
      this.closed = true;
      const c = this.client;
      this.client = null;
      if (c !== null) await c.end().catch(() => {});
    });
  }

  // ---- more than the interface ----

  /** Nothing stored yet: no offsets of any pipeline, no rows, no completions, no rejections. */
  async isEmpty(): Promise<boolean> {
    return this.serial(() =>
      this.reading(async (c) => {
        const r = await c.query<{ any: boolean }>(
          `SELECT EXISTS (SELECT 1 FROM offsets) OR EXISTS (SELECT 1 FROM batches) OR EXISTS (SELECT 1 FROM students)
                  OR EXISTS (SELECT 1 FROM completions) OR EXISTS (SELECT 1 FROM rejected_records) AS any`,
        );
        return r.rows[0]?.any !== true;
      }),
    );
  }

  /** `start`'s pre-flight: a commit goes through now. */
  async checkWritable(): Promise<void> {
    await this.serial(() =>
      this.reading(async (c) => {
        await c.query('UPDATE pipelines SET updated_at = $2 WHERE name = $1', [this.pipeline, new Date().toISOString()]);
      }),
    );
  }

  /** A meta value (the minimum of lessons, the schema version ...). */
  async meta(key: string): Promise<string | undefined> {
    return this.serial(() =>
      this.reading(async (c) => {
        const r = await c.query<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key]);
        return r.rows[0]?.value;
      }),
    );
  }

  /**
   * `rebuild`: replaces the whole contents with `snap`, the rejected records and the offsets reached,
   * in ONE transaction (a reader sees the old warehouse or the new one, never a mix; a failure half-
   * way leaves the old one), bulk rows by COPY. The offsets are this pipeline's, plus `others`' (a
   * rebuild over several logs); every other pipeline's offsets are removed, so that a pipeline not
   * rebuilt here reads its sources again from the start (adding only what is missing). Refused while
   * another pipeline writes the warehouse. Rejected records are stored once per (source, key).
   */
  async replaceAll(
    snap: ComputedWarehouse,
    offsets: Offsets,
    rejected: readonly Rejected[],
    o: { completions?: CompletionSet; others?: readonly PipelineOffsets[] } = {},
  ): Promise<PgSnapshotCounts> {
    return this.serial(async () => {
      const c = await this.ready(Date.now() + this.reconnectMs());
      const held: string[] = [];
      try {
        // No other pipeline may write meanwhile: hold each one's lock (a running one refuses this).
        const names = (await c.query<{ name: string }>('SELECT name FROM pipelines WHERE name <> $1 ORDER BY name', [this.pipeline])).rows.map((r) => r.name);
        for (const name of names) {
          const k = (await lockKeys(c, this.target, name)).pipeline;
          const got = await c.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${k}) AS ok`);
          if (got.rows[0]?.ok !== true) {
            const row = await pipelineRow(c, name);
            throw new WarehouseError(`pipeline ${name} is writing warehouse ${this.shown} (${holderText(row)}): stop it before a rebuild`);
          }
          held.push(k);
        }
        return await this.replaceIn(c, snap, offsets, rejected, o.completions ?? snap.completions, o.others ?? []);
      } catch (err) {
        await c.query('ROLLBACK').catch(() => {});
        throw pgFault(this.target, err, 'rebuild');
      } finally {
        for (const k of held) await c.query(`SELECT pg_advisory_unlock(${k})`).catch(() => {});
      }
    });
  }

  private async replaceIn(
    c: pg.Client,
    snap: ComputedWarehouse,
    offsets: Offsets,
    rejected: readonly Rejected[],
    completions: CompletionSet,
    others: readonly PipelineOffsets[],
  ): Promise<PgSnapshotCounts> {
    const now = new Date().toISOString();
    await c.query(`BEGIN; SELECT pg_advisory_xact_lock(${this.keys.write}); SET LOCAL maintenance_work_mem = '256MB'`);
    await c.query('TRUNCATE batches, students, completions, rejected_records, offsets, log_history');
    // The keys and indexes are built once over the rows rather than kept up row by row (the index
    // alone was most of the completions' COPY time): dropped here, made again before the commit.
    await c.query('ALTER TABLE completions DROP CONSTRAINT completions_pkey; ALTER TABLE students DROP CONSTRAINT students_pkey; DROP INDEX students_batch_id');
    await copyIn(
      c,
      'COPY batches (id, name, start_date, created_at, student_count, qualified_students, updated_at) FROM STDIN',
      copyRows(snap.batches, (b) => `${b.id}\t${copyValue(b.name)}\t${copyValue(b.start_date)}\t${b.created_at}\t${b.student_count}\t${b.qualified_students}\t${now}\n`),
    );
    await copyIn(
      c,
      'COPY students (id, name, email, batch_id, created_at, completed, qualified_at) FROM STDIN',
      copyRows(snap.students, (s) => `${s.id}\t${copyValue(s.name)}\t${copyValue(s.email)}\t${s.batch_id}\t${s.created_at}\t${s.completed}\t${copyValue(s.qualified_at)}\n`),
    );
    await copyIn(c, 'COPY completions (student_id, lesson_id, completed_at) FROM STDIN (FORMAT binary)', completionChunks(completions));
    await c.query(
      'ALTER TABLE students ADD CONSTRAINT students_pkey PRIMARY KEY (id); CREATE INDEX students_batch_id ON students (batch_id); ' +
        'ALTER TABLE completions ADD CONSTRAINT completions_pkey PRIMARY KEY (student_id, lesson_id)',
    );
    const p = prepareTx({ now, batches: [], students: [], completions: [], rejected: [...rejected], lost: [], offsets: {} });
    if (p.rejected.length > 0) await this.insertRejected(c, p);
    const rows: { pipeline: string; sources: string; offsets: Offsets }[] = [{ pipeline: this.pipeline, sources: this.opts.sources, offsets }, ...others];
    for (const r of rows) {
      const entries = (['batches', 'students', 'test_runs'] as const).filter((s) => s !== 'test_runs' || r.offsets.test_runs !== null);
      await c.query(
        `INSERT INTO pipelines (name, sources, host, pid, started_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)
         ON CONFLICT (name) DO UPDATE SET sources = excluded.sources, updated_at = excluded.updated_at`,
        [r.pipeline, r.sources, hostname(), process.pid, now],
      );
      await c.query({
        name: 'bb_set_offsets',
        text: SQL.SET_OFFSETS,
        values: [r.pipeline, entries, entries.map((s) => JSON.stringify(r.offsets[s])), now, null],
      });
    }
    await c.query("INSERT INTO meta (key, value) VALUES ('min_lessons', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [String(this.minLessons)]);
    // A new generation: a pipeline that was away meanwhile (reconnecting) learns that its offsets are gone.
    const generation = `${this.session}:${now}`;
    await c.query("INSERT INTO meta (key, value) VALUES ('generation', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [generation]);
    const counted = await c.query<{ source: SourceName; n: number }>('SELECT source, count(*) AS n FROM rejected_records GROUP BY source');
    const rej: RejectedCounts = { batches: 0, students: 0, test_runs: 0 };
    for (const r of counted.rows) if (Object.hasOwn(rej, r.source)) rej[r.source] = r.n;
    await c.query('COMMIT');
    this.generation = generation;
    // (The planner's statistics: CREATE INDEX counted the rows; autovacuum analyzes the new contents.)
    return { batches: snap.batches.length, students: snap.students.length, completions: completions.size, rejected: rej };
  }

  // ---- the transaction ----

  /** Runs `p` until it commits: again after a deadlock or serialization failure (bounded), and after a lost connection (reconnecting, bounded by time). */
  private async run(p: PreparedTx): Promise<Applied> {
    const seq = `${this.session}:${++this.txCount}`;
    let retries = 0;
    let deadline = Infinity;
    for (;;) {
      let commitSent = false;
      let applied: Applied | null = null;
      const c = await this.ready(deadline);
      try {
        applied = await this.attempt(c, p, seq, (a) => {
          applied = a;
          commitSent = true;
        });
        return applied;
      } catch (err) {
        const kind = classify(err);
        if (kind === 'retry' && retries < (this.opts.maxRetries ?? 20)) {
          retries++;
          await c.query('ROLLBACK').catch(() => {});
          this.event('warehouse.retry', { code: (err as { code?: string }).code, retries });
          await sleep(Math.min(1_000, 5 * 2 ** Math.min(retries, 8)) * (0.5 + Math.random()));
          continue;
        }
        if (kind === 'reconnect') {
          this.drop();
          if (deadline === Infinity) deadline = Date.now() + this.reconnectMs();
          this.event('warehouse.connection_lost', { during: commitSent ? 'commit' : 'transaction', reason: oneLine(this.target, err) });
          if (commitSent && applied !== null) {
            // The answer to COMMIT was lost: whether the commit took place is in the pipeline's row.
            const done = await this.committed(seq, deadline);
            if (done) return applied;
          }
          continue;
        }
        await c.query('ROLLBACK').catch(() => {});
        throw pgFault(this.target, err, 'write');
      }
    }
  }

  /** One run of the transaction. `sending(applied)` is called just before COMMIT is sent. */
  private async attempt(c: pg.Client, p: PreparedTx, seq: string, sending: (a: Applied) => void): Promise<Applied> {
    const lock = p.exclusive ? 'pg_advisory_xact_lock' : 'pg_advisory_xact_lock_shared';
    // One round trip: the transaction, its lock, and the minimum as it stands under that lock.
    const head = (await c.query(`BEGIN; SELECT ${lock}(${this.keys.write}); SELECT value FROM meta WHERE key = 'min_lessons'`)) as unknown as pg.QueryResult<{ value: string }>[];
    const min = Number(head[2]?.rows[0]?.value ?? this.minLessons);
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
    if (p.rejected.length > 0) applied.rejected = await this.insertRejected(c, p);
    if (p.lost.length > 0) {
      const l = p.lost;
      await c.query({
        name: 'bb_insert_lost',
        text: SQL.INSERT_LOST,
        values: [this.pipeline, l.map((x) => x.reason), l.map((x) => pgText(x.file)), intArray(l.map((x) => x.pos)), l.map((x) => pgText(x.key)), p.now],
      });
    }
    await c.query({
      name: 'bb_set_offsets',
      text: SQL.SET_OFFSETS,
      values: [this.pipeline, p.offsets.map((o) => o.source), p.offsets.map((o) => o.value), p.now, seq],
    });
    sending(applied);
    await c.query('COMMIT');
    return applied;
  }

  private async insertRejected(c: pg.Client, p: PreparedTx): Promise<number> {
    const r = p.rejected;
    const res = await c.query({
      name: 'bb_insert_rejected',
      text: SQL.INSERT_REJECTED,
      values: [r.map((x) => x.source), r.map((x) => pgText(x.reason)), r.map((x) => pgText(x.raw)), r.map((x) => pgText(x.key)), p.now],
    });
    return res.rowCount ?? 0;
  }

  /** After a lost answer to COMMIT: whether transaction `seq` is the pipeline's last committed one. */
  private async committed(seq: string, deadline: number): Promise<boolean> {
    for (;;) {
      const c = await this.ready(deadline);
      try {
        const r = await c.query<{ last_tx: string | null }>('SELECT last_tx FROM pipelines WHERE name = $1', [this.pipeline]);
        return r.rows[0]?.last_tx === seq;
      } catch (err) {
        if (classify(err) !== 'reconnect') throw pgFault(this.target, err, 'read');
        this.drop();
      }
    }
  }

  // ---- the connection ----

  /** Runs `fn` with the connection, reconnecting (bounded by time) when it is lost. Only for reads and idempotent writes. */
  private async reading<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
    let deadline = Infinity;
    for (;;) {
      const c = await this.ready(deadline);
      try {
        return await fn(c);
      } catch (err) {
        if (classify(err) !== 'reconnect') throw pgFault(this.target, err, 'read');
        this.drop();
        if (deadline === Infinity) deadline = Date.now() + this.reconnectMs();
      }
    }
  }

  /**
   * The connection, made again when it was lost: with backoff until `deadline` (at the latest
   * `reconnectMs` from now, also when the connection broke while idle), taking this pipeline's lock
   * again. The lock may still be held for a while by this writer's own old backend (a server that
   * has not noticed yet that it is gone): tried again until the deadline, then this writer stops.
   * A warehouse rebuilt meanwhile (a new generation) stops it too: its offsets are not the stored ones.
   */
  private async ready(deadline: number): Promise<pg.Client> {
    if (this.closed) throw new WarehouseError(`warehouse ${this.shown}: the writer of pipeline ${this.pipeline} is closed`);
    if (this.client !== null && !this.broken) return this.client;
    if (this.broken) this.event('warehouse.connection_lost', { during: 'idle', reason: 'the connection ended' });
    this.drop();
    const until = Math.min(deadline, Date.now() + this.reconnectMs());
    let delay = 50;
    let tries = 0;
    let last: unknown = null;
    for (;;) {
      tries++;
      let c: pg.Client | null = null;
      try {
        c = await connect(this.target, { raw: true, timeoutMs: 5_000, applicationName: `batchboard ${this.pipeline}`.slice(0, 63) });
        const got = await c.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${this.keys.pipeline}) AS ok`);
        if (got.rows[0]?.ok === true) {
          const generation = await generationOf(c);
          if (generation !== this.generation) {
            await c.end().catch(() => {});
            throw new WarehouseError(
              `warehouse ${this.shown} was rebuilt while pipeline ${this.pipeline} was reconnecting: it starts again from the offsets stored there`,
            );
          }
          this.client = c;
          this.broken = false;
          this.watch(c);
          this.event('warehouse.reconnected', { tries });
          return c;
        }
        const row = await pipelineRow(c, this.pipeline).catch(() => undefined);
        await c.end().catch(() => {});
        c = null;
        last = new WarehouseError(`pipeline ${this.pipeline} of warehouse ${this.shown} was taken over by another writer while reconnecting (${holderText(row)})`);
      } catch (err) {
        if (c !== null && this.client !== c) await c.end().catch(() => {});
        if (err instanceof WarehouseError) throw err;
        if (classify(err) !== 'reconnect') throw pgFault(this.target, err, 'reconnect to');
        last = err;
      }
      if (Date.now() + delay > until) {
        if (last instanceof WarehouseError) throw last;
        throw new WarehouseError(
          `lost the connection to warehouse ${this.shown} (${where(this.target)}) and could not connect again in ${Math.round(this.reconnectMs() / 1000)} s: ${oneLine(this.target, last)}`,
          (last as { code?: string }).code,
        );
      }
      await sleep(delay);
      delay = Math.min(2_000, delay * 2);
    }
  }

  private watch(c: pg.Client): void {
    const lost = () => {
      if (this.client === c) this.broken = true;
    };
    c.on('error', lost);
    c.on('end', lost);
  }

  private drop(): void {
    const c = this.client;
    this.client = null;
    this.broken = false;
    if (c !== null) void c.end().catch(() => {});
  }

  private reconnectMs(): number {
    return this.opts.reconnectMs ?? 60_000;
  }

  private event(name: string, fields: Record<string, unknown>): void {
    this.opts.onEvent?.(name, { pipeline: this.pipeline, ...fields });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }
}

/** Opens the PostgreSQL warehouse at `url` for writing as one pipeline (PgWarehouse.open). */
export function openPgWarehouse(url: string, opts: PgOpenOptions): Promise<PgWarehouse> {
  return PgWarehouse.open(url, opts);
}
