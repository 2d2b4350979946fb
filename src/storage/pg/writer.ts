// The warehouse's writer on PostgreSQL (CONTRACTS §4, §4b), one per pipeline: several pipelines,
// on several machines, may write one warehouse at once, each with its own offsets. This is the class
// callers hold; why a write is exactly once, and how pipelines write side by side, is told with the
// transaction (apply.ts); the connection made again when lost is connection.ts, `rebuild`'s write
// replace.ts.
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
import { WarehouseError } from '../errors.ts';
import { parsePgUrl, type PgTarget } from './url.ts';
import { connect } from './connect.ts';
import { pgFault } from './errors.ts';
import { checkCreatable, createSchema, inspectSchema, migrate, PG_SCHEMA_VERSION } from './schema.ts';
import { isEmptyTx, prepareTx } from './prepare.ts';
import { generationOf, holderText, lockKeys, pipelineRow, refuseSameSources, tryLock, type Keys } from './pipelines.ts';
import { WriterConnection } from './connection.ts';
import { applyTx } from './apply.ts';
import { replaceAll, type PgSnapshotCounts, type PipelineOffsets } from './replace.ts';
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

const NO_CHANGE: Applied = { batches: 0, students: 0, completions: 0, rejected: 0 };

export class PgWarehouse implements WarehouseWriter {
  readonly shown: string;
  readonly pipeline: string;
  private readonly conn: WriterConnection;
  private readonly session = `${hostname()}:${process.pid}:${Date.now().toString(36)}:${Math.random().toString(36).slice(2, 8)}`;
  private txCount = 0;
  private readonly minLessons: number;

  private constructor(
    readonly target: PgTarget,
    client: pg.Client,
    private readonly keys: Keys,
    private readonly opts: PgOpenOptions,
  ) {
    this.shown = target.shown;
    this.pipeline = opts.pipeline;
    this.minLessons = opts.minLessons;
    this.conn = new WriterConnection(target, opts.pipeline, client, keys.pipeline, opts);
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
      const locked = await tryLock(c, keys.pipeline);
      const row = found.kind === 'warehouse' ? await pipelineRow(c, opts.pipeline) : undefined;
      if (!locked) {
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
      w.conn.generation = await generationOf(c);
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
    return this.conn.serial(() =>
      this.conn.reading(async (c) => {
        const r = await c.query<{ value: string }>({ name: 'bb_offset', text: 'SELECT value FROM offsets WHERE pipeline = $1 AND source = $2', values: [this.pipeline, source] });
        const row = r.rows[0];
        return row === undefined ? INITIAL_OFFSETS[source] : (JSON.parse(row.value) as Offsets[S]);
      }),
    );
  }

  async knownStudentIds(): Promise<Float64Array> {
    return this.conn.serial(() =>
      this.conn.reading(async (c) => {
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
    return this.conn.serial(() => {
      const seq = `${this.session}:${++this.txCount}`;
      return applyTx(this.conn, p, seq, { writeLock: this.keys.write, minLessons: this.minLessons, maxRetries: this.opts.maxRetries ?? 20 });
    });
  }

  async close(): Promise<void> {
    await this.conn.close();
  }

  // ---- more than the interface ----

  /** Nothing stored yet: no offsets of any pipeline, no rows, no completions, no rejections. */
  async isEmpty(): Promise<boolean> {
    return this.conn.serial(() =>
      this.conn.reading(async (c) => {
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
    await this.conn.serial(() =>
      this.conn.reading(async (c) => {
        await c.query('UPDATE pipelines SET updated_at = $2 WHERE name = $1', [this.pipeline, new Date().toISOString()]);
      }),
    );
  }

  /** A meta value (the minimum of lessons, the schema version ...). */
  async meta(key: string): Promise<string | undefined> {
    return this.conn.serial(() =>
      this.conn.reading(async (c) => {
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
    const w = { writeLock: this.keys.write, sources: this.opts.sources, minLessons: this.minLessons, session: this.session };
    return this.conn.serial(() => replaceAll(this.conn, w, snap, offsets, rejected, o));
  }
}

/** Opens the PostgreSQL warehouse at `url` for writing as one pipeline (PgWarehouse.open). */
export function openPgWarehouse(url: string, opts: PgOpenOptions): Promise<PgWarehouse> {
  return PgWarehouse.open(url, opts);
}
