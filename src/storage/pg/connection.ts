// The writer's one connection and its life. Calls run on it one after the other; one that finds
// it lost makes it again (with backoff, bounded by time) and takes the pipeline's lock again, so
// that a writer outlives a server restart or a dropped network without a second writer of its
// pipeline slipping in meanwhile, nor writing offsets into a warehouse rebuilt meanwhile.
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { WarehouseError } from '../errors.ts';
import type { PgTarget } from './url.ts';
import { connect } from './connect.ts';
import { classify, oneLine, pgFault, where } from './errors.ts';
import { generationOf, holderText, pipelineRow, tryLock } from './pipelines.ts';

/** The writer's options (PgOpenOptions, documented there) that the connection reads. */
export interface ConnectionOptions {
  readonly reconnectMs?: number;
  readonly onEvent?: (event: string, fields: Record<string, unknown>) => void;
}

export class WriterConnection {
  readonly shown: string;
  private client: pg.Client | null;
  private broken = false;
  /** Calls run one after the other on the one connection. */
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** The warehouse's generation (meta 'generation', new at every rebuild) this writer's offsets belong to. */
  generation: string | undefined;

  /** `client` holds this pipeline's lock already; `pipelineLock` (pipelines.ts Keys) is taken again on every reconnection. */
  constructor(
    readonly target: PgTarget,
    readonly pipeline: string,
    client: pg.Client,
    private readonly pipelineLock: string,
    private readonly opts: ConnectionOptions,
  ) {
    this.shown = target.shown;
    this.client = client;
    this.watch(client);
  }

  close(): Promise<void> {
    return this.serial(async () => {
      this.closed = true;
      const c = this.client;
      this.client = null;
      if (c !== null) await c.end().catch(() => {});
    });
  }

  serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }

  /** Runs `fn` with the connection, reconnecting (bounded by time) when it is lost. Only for reads and idempotent writes. */
  async reading<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
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
  async ready(deadline: number): Promise<pg.Client> {
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
        if (await tryLock(c, this.pipelineLock)) {
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

  drop(): void {
    const c = this.client;
    this.client = null;
    this.broken = false;
    if (c !== null) void c.end().catch(() => {});
  }

  reconnectMs(): number {
    return this.opts.reconnectMs ?? 60_000;
  }

  event(name: string, fields: Record<string, unknown>): void {
    this.opts.onEvent?.(name, { pipeline: this.pipeline, ...fields });
  }

  private watch(c: pg.Client): void {
    const lost = () => {
      if (this.client === c) this.broken = true;
    };
    c.on('error', lost);
    c.on('end', lost);
  }
}
