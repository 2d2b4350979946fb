// Shared by the StudentWatcher tests: the real actor under the runtime's Supervisor, with the fake
// Aggregator (test/fixtures/fake-aggregator.ts) recording what it applied, and readers of that record.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';
import type { Supervisor } from '../../src/runtime/index.ts';
import type { StudentWatcherArgs } from '../../src/actors/student-watcher.ts';
import type { Student } from '../../src/domain/records.ts';
import type { FakeLine } from '../fixtures/fake-aggregator.ts';
import { FAST, captureLogger, fixture, readLines, startSupervisor, statusOf, tempDir } from '../runtime/helpers.ts';

export const WATCHER = fileURLToPath(new URL('../../src/actors/student-watcher.ts', import.meta.url));

export interface Watched {
  sup: Supervisor;
  logs: ReturnType<typeof captureLogger>;
  out: string;
  state: string;
  /** Record messages the fake Aggregator applied, in order. */
  lines: () => FakeLine[];
  /** Student ids applied, in order (repeats included), and the rejected keys (repeats included). */
  applied: () => { ids: number[]; rejectedKeys: string[]; rejected: FakeLine['rejected'] };
  counters: () => Record<string, number | string>;
  diagnose: () => string;
}

/** Starts Aggregator (the fake) then StudentWatcher on `students`, rest_for_one as in the pipeline. */
export async function startWatcher(t: ExecutionContext, students: string, opts: Partial<StudentWatcherArgs> & { delayMs?: number } = {}): Promise<Watched> {
  const dir = tempDir(t, 'bb-sw-');
  const state = path.join(dir, 'state.json');
  const out = path.join(dir, 'out.jsonl');
  const logs = captureLogger();
  const { delayMs, ...watcherArgs } = opts;
  const sup = await startSupervisor(
    t,
    {
      ...FAST,
      strategy: 'rest_for_one',
      children: [
        { name: 'Aggregator', module: fixture('fake-aggregator'), args: { state, out, ...(delayMs !== undefined && { delayMs }) } },
        { name: 'StudentWatcher', module: WATCHER, args: { students, ...watcherArgs } },
      ],
    },
    logs.log,
  );
  const lines = () => readLines(out).map((l) => JSON.parse(l) as FakeLine);
  const applied = () => {
    const ids: number[] = [];
    const rejected: FakeLine['rejected'] = [];
    for (const l of lines()) {
      for (const s of l.records as Student[]) ids.push(s.id);
      rejected.push(...l.rejected);
    }
    return { ids, rejectedKeys: rejected.map((r) => r.key), rejected };
  };
  const counters = () => statusOf(sup, 'StudentWatcher').counters;
  const diagnose = () => {
    const a = applied();
    return `applied ${a.ids.length} students, ${a.rejectedKeys.length} rejected; watcher ${JSON.stringify(statusOf(sup, 'StudentWatcher'))}; last events ${JSON.stringify(logs.entries.slice(-8))}`;
  };
  return { sup, logs, out, state, lines, applied, counters, diagnose };
}

/** Ids that occur more than once. */
export function repeats(ids: readonly (number | string)[]): (number | string)[] {
  const seen = new Set<number | string>();
  const twice = new Set<number | string>();
  for (const id of ids) (seen.has(id) ? twice : seen).add(id);
  return [...twice];
}

export const sortNum = (a: readonly number[]): number[] => [...a].sort((x, y) => x - y);

export function fileFingerprint(file: string): { size: number; mtimeMs: number; bytes: string } {
  const st = fs.statSync(file);
  return { size: st.size, mtimeMs: st.mtimeMs, bytes: fs.readFileSync(file).toString('base64') };
}
