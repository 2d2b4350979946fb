// Reading a PostgreSQL warehouse without writing it (`top`, `verify`, the web page): the methods of
// storage/reader.ts's WarehouseReader, returning the same shapes (ids as numbers, start_date as
// YYYY-MM-DD or null, timestamps as YYYY-MM-DDTHH:MM:SS.sssZ), asynchronously. The session is
// read-only (default_transaction_read_only): nothing here can write.
import type pg from 'pg';
import type { BatchRow, StudentRow } from '../../domain/aggregate.ts';
import type { SourceName } from '../../domain/records.ts';
import type { LeaderRow, RejectedCounts, WarehouseContents } from '../reader.ts';
import { BOARD_SQL, type BoardRow } from '../board.ts';
import type { LostHistory } from '../history.ts';
import { parsePgUrl, type PgTarget } from './url.ts';
import { connect } from './connect.ts';
import { pgFault } from './errors.ts';
import { inspectSchema } from './schema.ts';
import { lessonsDone, type BatchDetail, type DetailBatch, type DetailStudent } from '../detail.ts';

export class PgWarehouseReader {
  readonly shown: string;
  /** As the SQLite reader's `path`: what names the warehouse in messages (no password). */
  readonly path: string;

  private constructor(
    readonly target: PgTarget,
    private readonly c: pg.Client,
  ) {
    this.shown = target.shown;
    this.path = target.shown;
  }

  /**
   * Opens an existing warehouse read-only. Throws a one-line WarehouseError when the server cannot be
   * reached, refuses the user, has no such database, or the schema holds no batchboard warehouse of
   * this version.
   */
  static async open(url: string): Promise<PgWarehouseReader> {
    const t = parsePgUrl(url);
    const c = await connect(t, { readOnly: true, applicationName: 'batchboard reader' });
    try {
      await inspectSchema(c, t, 'reads');
      return new PgWarehouseReader(t, c);
    } catch (err) {
      await c.end().catch(() => {});
      throw pgFault(t, err, 'read');
    }
  }

  async meta(key: string): Promise<string | undefined> {
    return this.q(async () => (await this.c.query<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key])).rows[0]?.value);
  }

  async minLessons(): Promise<number | undefined> {
    const v = await this.meta('min_lessons');
    return v === undefined ? undefined : Number(v);
  }

  /** CONTRACTS §4's leaderboard query, as written there. */
  async leaderboard(limit: number): Promise<LeaderRow[]> {
    return this.q(async () => (await this.c.query<LeaderRow>('SELECT id, name, qualified_students FROM batches ORDER BY qualified_students DESC, id LIMIT $1', [limit])).rows);
  }

  async board(): Promise<BoardRow[]> {
    return this.q(async () => (await this.c.query<BoardRow>({ name: 'bb_board', text: BOARD_SQL })).rows);
  }

  /**
   * Everything `verify` compares, in one snapshot (REPEATABLE READ READ ONLY). The tables are locked
   * (ACCESS SHARE) before the snapshot is taken, so that a `rebuild` (which empties them with
   * TRUNCATE) is either wholly before this snapshot or waits for it to end.
   */
  async contents(): Promise<WarehouseContents> {
    return this.q(async () => {
      await this.c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; LOCK TABLE batches, students, rejected_records IN ACCESS SHARE MODE');
      try {
        const batches = (await this.c.query<BatchRow>('SELECT id, name, start_date, created_at, student_count, qualified_students FROM batches ORDER BY id')).rows;
        const students = (await this.c.query<StudentRow>('SELECT id, name, email, batch_id, created_at, completed, qualified_at FROM students ORDER BY id')).rows;
        const rejected = await rejectedCounts(this.c);
        await this.c.query('COMMIT');
        return { batches, students, rejected };
      } catch (err) {
        await this.c.query('ROLLBACK').catch(() => {});
        throw err;
      }
    });
  }

  /** Log history the logs no longer hold (storage/history.ts), every pipeline's, oldest first. */
  async lostHistory(): Promise<LostHistory[]> {
    return this.q(async () => (await this.c.query<LostHistory>('SELECT reason, file, pos, seen_at FROM log_history ORDER BY seen_at, id')).rows);
  }

  /** Batch `id` and its students with their lessons, in one snapshot (REPEATABLE READ READ ONLY). */
  async batchDetail(id: number): Promise<BatchDetail | null> {
    return this.q(async () => {
      await this.c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        const b = await this.c.query<DetailBatch>('SELECT name, start_date, created_at, student_count, qualified_students, updated_at FROM batches WHERE id = $1', [id]);
        const rows = (await this.c.query<Omit<DetailStudent, 'lessons'>>('SELECT id, name, email, created_at, completed, qualified_at FROM students WHERE batch_id = $1 ORDER BY id', [id])).rows;
        const batch = b.rows[0];
        let detail: BatchDetail | null = null;
        if (batch !== undefined || rows.length > 0) {
          const done = await this.c.query<{ student_id: number; lesson_id: number; ms: string | null }>(
            'SELECT c.student_id, c.lesson_id, (extract(epoch FROM c.completed_at) * 1000)::bigint::text AS ms FROM completions c WHERE c.student_id = ANY ($1::bigint[])',
            [rows.map((s) => String(s.id))],
          );
          const per = new Map<number, [number, number][]>();
          for (const r of done.rows) {
            let l = per.get(r.student_id);
            if (l === undefined) per.set(r.student_id, (l = []));
            l.push([Number(r.lesson_id), r.ms === null ? Infinity : Number(r.ms)]);
          }
          const rank =
            batch === undefined
              ? null
              : Number((await this.c.query<{ n: string }>('SELECT count(*) + 1 AS n FROM batches WHERE qualified_students > $1 OR (qualified_students = $1 AND id < $2)', [batch.qualified_students, id])).rows[0]!.n);
          const min = (await this.c.query<{ value: string }>("SELECT value FROM meta WHERE key = 'min_lessons'")).rows[0]?.value;
          detail = { id, batch: batch ?? null, rank, minLessons: Number(min ?? 3), students: rows.map((s) => ({ ...s, lessons: lessonsDone(per.get(s.id) ?? []) })) };
        }
        await this.c.query('COMMIT');
        return detail;
      } catch (err) {
        await this.c.query('ROLLBACK').catch(() => {});
        throw err;
      }
    });
  }

  /** Each pipeline writing (or having written) the warehouse. */
  async pipelines(): Promise<{ name: string; sources: string; host: string; pid: number; started_at: string; updated_at: string }[]> {
    return this.q(async () => (await this.c.query('SELECT name, sources, host, pid, started_at, updated_at FROM pipelines ORDER BY name')).rows);
  }

  async close(): Promise<void> {
    await this.c.end().catch(() => {});
  }

  /** The end of the last call: calls run one after another on the one connection. */
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * Runs `fn` once every earlier call has ended: a call made while another's transaction is open
   * (the web server answers requests side by side) would otherwise run inside that transaction,
   * in its snapshot, or between its statements.
   */
  private q<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      try {
        return await fn();
      } catch (err) {
        throw pgFault(this.target, err, 'read');
      }
    });
    this.queue = run.catch(() => {});
    return run;
  }
}

export async function rejectedCounts(c: pg.Client): Promise<RejectedCounts> {
  const out: RejectedCounts = { batches: 0, students: 0, test_runs: 0 };
  const rows = (await c.query<{ source: string; n: number }>('SELECT source, count(*) AS n FROM rejected_records GROUP BY source')).rows;
  for (const r of rows) if (Object.hasOwn(out, r.source)) out[r.source as SourceName] = r.n;
  return out;
}

/** Opens the warehouse at `url` read-only (storage/reader.ts's openReader for a postgres:// URL). */
export function openPgReader(url: string): Promise<PgWarehouseReader> {
  return PgWarehouseReader.open(url);
}

/** Opens `url` read-only, runs `fn`, closes. */
export async function readPgWarehouse<T>(url: string, fn: (r: PgWarehouseReader) => Promise<T> | T): Promise<T> {
  const r = await PgWarehouseReader.open(url);
  try {
    return await fn(r);
  } finally {
    await r.close();
  }
}
