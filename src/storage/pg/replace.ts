// `rebuild`'s write (PgWarehouse.replaceAll): the whole warehouse replaced in one transaction, its
// bulk rows by COPY, with the other pipelines' locks held so that none writes meanwhile, and a new
// generation so that one away meanwhile does not carry on from offsets that are gone.
import { hostname } from 'node:os';
import type pg from 'pg';
import type { Rejected, SourceName } from '../../domain/records.ts';
import type { Offsets } from '../../domain/offsets.ts';
import type { CompletionSet, ComputedWarehouse } from '../../domain/aggregate.ts';
import type { RejectedCounts } from '../reader.ts';
import { WarehouseError } from '../errors.ts';
import { pgFault } from './errors.ts';
import { prepareTx } from './prepare.ts';
import { completionChunks, copyIn, copyRows, copyValue } from './copy.ts';
import { holderText, lockKeys, pipelineRow, tryLock } from './pipelines.ts';
import { insertRejected } from './apply.ts';
import type { WriterConnection } from './connection.ts';
import * as SQL from './sql.ts';

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

/** What a rebuild takes of its writer, besides the connection. */
export interface RebuildSettings {
  /** The warehouse's write lock (pipelines.ts Keys). */
  writeLock: string;
  /** What this pipeline reads (PgOpenOptions). */
  sources: string;
  minLessons: number;
  /** The writer's session: the new generation is named after it. */
  session: string;
}

export async function replaceAll(
  conn: WriterConnection,
  w: RebuildSettings,
  snap: ComputedWarehouse,
  offsets: Offsets,
  rejected: readonly Rejected[],
  o: { completions?: CompletionSet; others?: readonly PipelineOffsets[] },
): Promise<PgSnapshotCounts> {
  const c = await conn.ready(Date.now() + conn.reconnectMs());
  const held: string[] = [];
  try {
    // No other pipeline may write meanwhile: hold each one's lock (a running one refuses this).
    const names = (await c.query<{ name: string }>('SELECT name FROM pipelines WHERE name <> $1 ORDER BY name', [conn.pipeline])).rows.map((r) => r.name);
    for (const name of names) {
      const k = (await lockKeys(c, conn.target, name)).pipeline;
      if (!(await tryLock(c, k))) {
        const row = await pipelineRow(c, name);
        throw new WarehouseError(`pipeline ${name} is writing warehouse ${conn.shown} (${holderText(row)}): stop it before a rebuild`);
      }
      held.push(k);
    }
    return await replaceIn(c, conn, w, snap, offsets, rejected, o.completions ?? snap.completions, o.others ?? []);
  } catch (err) {
    await c.query('ROLLBACK').catch(() => {});
    throw pgFault(conn.target, err, 'rebuild');
  } finally {
    for (const k of held) await c.query(`SELECT pg_advisory_unlock(${k})`).catch(() => {});
  }
}

async function replaceIn(
  c: pg.Client,
  conn: WriterConnection,
  w: RebuildSettings,
  snap: ComputedWarehouse,
  offsets: Offsets,
  rejected: readonly Rejected[],
  completions: CompletionSet,
  others: readonly PipelineOffsets[],
): Promise<PgSnapshotCounts> {
  const now = new Date().toISOString();
  await c.query(`BEGIN; SELECT pg_advisory_xact_lock(${w.writeLock}); SET LOCAL maintenance_work_mem = '256MB'`);
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
  if (p.rejected.length > 0) await insertRejected(c, p);
  const rows: { pipeline: string; sources: string; offsets: Offsets }[] = [{ pipeline: conn.pipeline, sources: w.sources, offsets }, ...others];
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
  await c.query("INSERT INTO meta (key, value) VALUES ('min_lessons', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [String(w.minLessons)]);
  // A new generation: a pipeline that was away meanwhile (reconnecting) learns that its offsets are gone.
  const generation = `${w.session}:${now}`;
  await c.query("INSERT INTO meta (key, value) VALUES ('generation', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [generation]);
  const counted = await c.query<{ source: SourceName; n: number }>('SELECT source, count(*) AS n FROM rejected_records GROUP BY source');
  const rej: RejectedCounts = { batches: 0, students: 0, test_runs: 0 };
  for (const r of counted.rows) if (Object.hasOwn(rej, r.source)) rej[r.source] = r.n;
  await c.query('COMMIT');
  conn.generation = generation;
  // (The planner's statistics: CREATE INDEX counted the rows; autovacuum analyzes the new contents.)
  return { batches: snap.batches.length, students: snap.students.length, completions: completions.size, rejected: rej };
}
