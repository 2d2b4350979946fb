// /metrics in Prometheus' text format (prom-client, a Registry of its own: nothing global, so two
// servers in one process, as in tests, never share a metric). What Vector and Fluent Bit expose,
// for an existing Prometheus and Grafana:
//  - always, from the warehouse (the reader): batches, students, qualified students;
//  - beside a running pipeline (start --http, the demo), from its supervisor: records and
//    rejections per source, lag per source, commits, what the commits applied, restarts and up per
//    actor, and freshness as a histogram (the Aggregator's buckets, domain/freshness.ts).
// Everything is read at the scrape: no timer runs for it.
import { Counter, Gauge, Registry, type Metric } from 'prom-client';
import type { BoardRow } from '../storage/board.ts';
import { ACTORS } from '../actors/messages.ts';
import type { SourceName } from '../domain/records.ts';
import { FRESHNESS_BUCKETS_MS } from '../domain/freshness.ts';
import { counterNumber } from './totals.ts';
import type { PipelineView } from './pipeline-view.ts';

const SOURCES = Object.keys(ACTORS).filter((k) => k !== 'aggregator') as SourceName[];
/** Each source's lag, in its unit (actors/source.ts's lag_unit); the API's is ms, shown in seconds. */
const LAG: Record<SourceName, { unit: 'bytes' | 'rows' | 'seconds'; scale: number }> = {
  test_runs: { unit: 'bytes', scale: 1 },
  students: { unit: 'rows', scale: 1 },
  batches: { unit: 'seconds', scale: 1 / 1000 },
};
const APPLIED = ['batches', 'students', 'completions', 'runs', 'rejected'];

export class Metrics {
  readonly registry = new Registry();
  private readonly g = {
    batches: this.gauge('batchboard_warehouse_batches', 'Batches in the warehouse.'),
    students: this.gauge('batchboard_warehouse_students', 'Students in the warehouse.'),
    qualified: this.gauge('batchboard_warehouse_qualified_students', 'Students in the warehouse with at least the minimum of completed lessons.'),
  };
  private readonly p: {
    records: Counter<'source'>;
    rejected: Counter<'source'>;
    lag: Record<string, Gauge<'source'>>;
    commits: Counter;
    applied: Counter<'kind'>;
    restarts: Counter<'actor'>;
    up: Gauge<'actor'>;
  } | null;
  /** What each counter showed at the last scrape: the counters move by the difference. */
  private readonly last = new Map<string, number>();

  constructor(
    private readonly board: () => Promise<readonly BoardRow[]>,
    private readonly pipeline: PipelineView | null,
  ) {
    if (pipeline === null) {
      this.p = null;
      return;
    }
    const lag: Record<string, Gauge<'source'>> = {};
    for (const { unit } of Object.values(LAG)) lag[unit] ??= this.gauge(`batchboard_source_lag_${unit}`, `How far a source's reading is behind the source, in ${unit} (actors/source.ts).`, ['source']);
    this.p = {
      records: this.counter('batchboard_source_records_total', 'Valid records read and sent to the Aggregator, per source.', ['source']),
      rejected: this.counter('batchboard_source_rejected_total', 'Records rejected (stored in rejected_records), per source.', ['source']),
      lag,
      commits: this.counter('batchboard_commits_total', 'Warehouse transactions committed by the Aggregator.'),
      applied: this.counter('batchboard_applied_total', 'What the commits applied, by kind (completions: new (student, lesson) pairs; runs: test runs).', ['kind']),
      restarts: this.counter('batchboard_actor_restarts_total', 'Restarts per actor (crashes and hot restarts).', ['actor']),
      up: this.gauge('batchboard_actor_up', '1 while the actor runs, else 0.', ['actor']),
    };
    this.registry.registerMetric(this.freshnessHistogram(pipeline) as unknown as Metric);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text of a scrape. A warehouse that cannot be read throws (the server answers 503). */
  async text(): Promise<string> {
    const rows = await this.board();
    this.g.batches.set(rows.length);
    this.g.students.set(rows.reduce((n, r) => n + r.student_count, 0));
    this.g.qualified.set(rows.reduce((n, r) => n + r.qualified_students, 0));
    if (this.p !== null && this.pipeline !== null) {
      const status = this.pipeline.status();
      const totals = this.pipeline.totals;
      for (const source of SOURCES) {
        const actor = ACTORS[source];
        this.move(this.p.records, { source }, `records ${source}`, totals.total(actor, 'records'));
        this.move(this.p.rejected, { source }, `rejected ${source}`, totals.total(actor, 'rejected'));
        const lag = counterNumber(status.find((a) => a.name === actor)?.counters['lag']);
        if (lag !== undefined) this.p.lag[LAG[source].unit]!.set({ source }, lag * LAG[source].scale);
      }
      this.move(this.p.commits, {}, 'commits', totals.total(ACTORS.aggregator, 'commits'));
      for (const kind of APPLIED) this.move(this.p.applied, { kind }, `applied ${kind}`, totals.total(ACTORS.aggregator, kind));
      for (const a of status) {
        this.move(this.p.restarts, { actor: a.name }, `restarts ${a.name}`, a.restarts);
        this.p.up.set({ actor: a.name }, a.state === 'running' ? 1 : 0);
      }
    }
    return this.registry.metrics();
  }

  /** A counter set to a total that only grows (totals.ts): it moves by the difference. */
  private move<L extends string>(c: Counter<L>, labels: Partial<Record<L, string>>, key: string, total: number): void {
    const d = total - (this.last.get(key) ?? 0);
    c.inc(labels, Math.max(0, d));
    this.last.set(key, Math.max(total, this.last.get(key) ?? 0));
  }

  private gauge<L extends string>(name: string, help: string, labelNames: L[] = []): Gauge<L> {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  private counter<L extends string>(name: string, help: string, labelNames: L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  /**
   * The Aggregator's freshness buckets as a Prometheus histogram. prom-client's Histogram counts
   * observations it is given one by one; these arrive as counts already bucketed in the actor's
   * thread, so this metric answers prom-client's get() with them, in the shape its own histogram
   * gives (name_bucket{le}, name_sum, name_count), which the registry writes out.
   */
  private freshnessHistogram(pipeline: PipelineView): object {
    const name = 'batchboard_freshness_seconds';
    const help = 'Per commit carrying test runs: from the LogTailer reading its oldest line to the commit (to the millisecond).';
    return {
      name,
      help,
      type: 'histogram',
      aggregator: 'sum',
      reset: () => {},
      get: async () => {
        const h = pipeline.totals.freshness;
        let cumulative = 0;
        const values = h.buckets.map((n, i) => {
          cumulative += n;
          const le = i < FRESHNESS_BUCKETS_MS.length ? FRESHNESS_BUCKETS_MS[i]! / 1000 : '+Inf';
          return { labels: { le }, value: cumulative, metricName: `${name}_bucket` };
        });
        values.push({ labels: {} as { le: number }, value: h.sumMs / 1000, metricName: `${name}_sum` });
        values.push({ labels: {} as { le: number }, value: h.count, metricName: `${name}_count` });
        return { name, help, type: 'histogram', values, aggregator: 'sum' };
      },
    };
  }
}
