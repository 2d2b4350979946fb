// The pipeline as the supervisor runs it: the Aggregator first, then the three sources as a group
// under rest_for_one. A restart of the Aggregator takes the sources along (what they had sent to
// it and was not committed is read again from the stored offsets); a restart of one source takes
// nobody, because each resumes from its own stored offset.
import { fileURLToPath } from 'node:url';
import type { ChildSpec, RunOptions } from '../runtime/index.ts';
import type { AggregatorArgs } from './aggregator.ts';
import type { BatchFetcherArgs } from './batch-fetcher.ts';
import type { StudentWatcherArgs } from './student-watcher.ts';
import type { LogTailerArgs } from './log-tailer.ts';
import { ACTORS } from './messages.ts';
import { controlSocketPath, defaultPipelineName, sourcesId } from '../domain/identity.ts';

export interface PipelineConfig {
  api: string;
  token?: string;
  students: string;
  log: string;
  warehouse: string;
  minLessons: number;
  since?: string;
  /** Tuning, for tests and benchmarks. */
  batchPollMs?: number;
  studentPollMs?: number;
  logPollMs?: number;
  /** The warehouse's `sources` identity; sourcesId() of the three sources unless given. */
  sourcesId?: string;
  /** The pipeline's name (`start --name`; by default its log's file name): its own offsets in a shared warehouse. */
  name?: string;
}

/** The pipeline's name: given, else its log's file name. */
export const pipelineName = (c: Pick<PipelineConfig, 'name' | 'log'>): string => c.name ?? defaultPipelineName(c.log);

// From dist/ the actor modules are the built .js beside this one; from src/ (tsx), the .ts.
const actor = (file: string): string => fileURLToPath(new URL(`./${file.replace(/\.ts$/, import.meta.url.endsWith('.js') ? '.js' : '.ts')}`, import.meta.url));

export function pipelineChildren(c: PipelineConfig): ChildSpec[] {
  const aggregator: AggregatorArgs = { warehouse: c.warehouse, minLessons: c.minLessons, sources: c.sourcesId ?? sourcesId(c), pipeline: pipelineName(c) };
  const fetcher: BatchFetcherArgs = {
    api: c.api,
    ...(c.token !== undefined && { token: c.token }),
    ...(c.since !== undefined && { since: c.since }),
    ...(c.batchPollMs !== undefined && { pollMs: c.batchPollMs }),
  };
  const watcher: StudentWatcherArgs = { students: c.students, ...(c.studentPollMs !== undefined && { pollMs: c.studentPollMs }) };
  const tailer: LogTailerArgs = { log: c.log, ...(c.logPollMs !== undefined && { pollMs: c.logPollMs }) };
  return [
    // SIGINT/SIGTERM must end within 5 s (CONTRACTS §5): actors stop one after another, last
    // first, so the budgets add up to 4 s at worst; each normally stops in milliseconds. The
    // Aggregator's graceful stop commits what it holds; the mailbox it drains first is bounded.
    // Its start loads the warehouse's completion set (Warehouse.preload): about a second per
    // 1,000,000 completions here, so the 20,000,000 the writer is sized for take longer than the
    // runtime's default start timeout (30 s) on a loaded machine.
    { name: ACTORS.aggregator, module: actor('aggregator.ts'), args: aggregator, mailboxCapacity: 8, shutdownMs: 2200, startTimeoutMs: 600_000 },
    { name: ACTORS.batches, module: actor('batch-fetcher.ts'), args: fetcher, group: 'sources', shutdownMs: 600 },
    { name: ACTORS.students, module: actor('student-watcher.ts'), args: watcher, group: 'sources', shutdownMs: 600 },
    { name: ACTORS.test_runs, module: actor('log-tailer.ts'), args: tailer, group: 'sources', shutdownMs: 600 },
  ];
}

export function pipelineOptions(c: PipelineConfig): RunOptions {
  return {
    children: pipelineChildren(c),
    strategy: 'rest_for_one',
    controlSocket: controlSocketPath(c.warehouse, pipelineName(c)),
  };
}
