// Who writes the warehouse: each pipeline's row in `pipelines`, the advisory locks that tell a
// writer that lives (the warehouse's write lock, one lock per pipeline), and the warehouse's
// generation a writer's offsets belong to. Shared by opening, reconnecting and `rebuild`, each of
// which must tell a pipeline that runs from one that only left its row behind.
import { hostname } from 'node:os';
import type pg from 'pg';
import { WarehouseError } from '../errors.ts';
import type { PgTarget } from './url.ts';

export interface Keys {
  /** The warehouse's write lock (transaction level), as an SQL literal. */
  write: string;
  /** This pipeline's lock (session level), as an SQL literal. */
  pipeline: string;
}

export async function lockKeys(c: pg.Client, t: PgTarget, pipeline: string): Promise<Keys> {
  const r = await c.query<{ w: string; p: string }>('SELECT hashtextextended($1, 0)::text AS w, hashtextextended($2, 0)::text AS p', [
    `batchboard write ${t.schema}`,
    `batchboard pipeline ${t.schema}/${pipeline}`,
  ]);
  const row = r.rows[0]!;
  if (!/^-?\d+$/.test(row.w) || !/^-?\d+$/.test(row.p)) throw new Error('unexpected lock keys');
  return { write: row.w, pipeline: row.p };
}

/** Takes the session-level advisory lock `key` (an SQL literal, Keys) when it is free: whether it was. */
export async function tryLock(c: pg.Client, key: string): Promise<boolean> {
  const got = await c.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${key}) AS ok`);
  return got.rows[0]?.ok === true;
}

export interface PipelineRow {
  name: string;
  sources: string;
  host: string;
  pid: number;
  started_at: string;
}

export function holderText(p: PipelineRow | undefined): string {
  return p === undefined ? 'another process' : `host ${p.host}, pid ${p.pid}, since ${p.started_at}`;
}

/**
 * Another pipeline of this host reading the same sources, running now (its lock is held), is
 * refused: it is the same pipeline started twice under two names, and the one log read twice.
 */
export async function refuseSameSources(c: pg.Client, t: PgTarget, pipeline: string, sources: string): Promise<void> {
  const same = await c.query<PipelineRow>('SELECT name, sources, host, pid, started_at FROM pipelines WHERE sources = $1 AND host = $2 AND name <> $3 ORDER BY name', [
    sources,
    hostname(),
    pipeline,
  ]);
  for (const row of same.rows) {
    const k = (await lockKeys(c, t, row.name)).pipeline;
    if (await tryLock(c, k)) {
      await c.query(`SELECT pg_advisory_unlock(${k})`);
      continue;
    }
    throw new WarehouseError(
      `pipeline ${row.name} is already writing warehouse ${t.shown} from the same sources (${holderText(row)}): one pipeline per log; stop it first`,
    );
  }
}

export async function generationOf(c: pg.Client): Promise<string | undefined> {
  const r = await c.query<{ value: string }>("SELECT value FROM meta WHERE key = 'generation'");
  return r.rows[0]?.value;
}

export async function pipelineRow(c: pg.Client, name: string): Promise<PipelineRow | undefined> {
  const r = await c.query<PipelineRow>('SELECT name, sources, host, pid, started_at FROM pipelines WHERE name = $1', [name]);
  return r.rows[0];
}
