// The Aggregator under the real runtime, with scripted sources: records arrive in the late orders
// of CONTRACTS §3 (test runs before the student, students before the batch) and the warehouse is
// right; each offset is stored with its records and handed back on resume, also after a restart
// of the Aggregator; a message of a stale session is dropped; every commit is acked.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import Database from 'better-sqlite3';
import { FAST, captureLogger, fixture, startSupervisor, tempDir, waitFor } from '../runtime/helpers.ts';
import { ACTORS } from '../../src/actors/messages.ts';
import type { ScriptedSourceArgs } from '../fixtures/scripted-source.ts';
import type { AggregatorArgs } from '../../src/actors/aggregator.ts';

const AGGREGATOR = fileURLToPath(new URL('../../src/actors/aggregator.ts', import.meta.url));
const T = '2024-03-02T10:00:00.000Z';
const LOG_OFFSET = { dev: 1, ino: 42, pos: 1234, head: 'eyJpZCI6' };
/** Event times of the runs: T0 plus `m` minutes. */
const T0 = Date.parse('2024-03-01T09:00:00.000Z');
const at = (m: number) => T0 + m * 60_000;

function setup(t: import('ava').ExecutionContext) {
  const dir = tempDir(t);
  const warehouse = path.join(dir, 'w.db');
  const outs = { batches: path.join(dir, 'batches.jsonl'), students: path.join(dir, 'students.jsonl'), test_runs: path.join(dir, 'runs.jsonl') };
  const scripts: Record<keyof typeof outs, ScriptedSourceArgs> = {
    test_runs: {
      source: 'test_runs',
      out: outs.test_runs,
      staleFirst: true,
      script: [
        // Student 1's lesson 3 twice, the later run first: its earliest time counts.
        { type: 'runs', completions: [1, 1, at(1), 1, 2, at(2), 1, 3, at(9), 1, 3, at(3), 2, 1, at(4)], runs: 9, rejected: [{ source: 'test_runs', reason: 'not JSON', raw: '{oops', key: 'k1' }], offset: LOG_OFFSET, readAt: Date.now() },
      ],
    },
    students: {
      source: 'students',
      out: outs.students,
      script: [
        {
          type: 'students',
          students: [
            { id: 1, name: 'Ada', email: null, batch_id: 7, created_at: T },
            { id: 2, name: 'Bo', email: 'bo@x', batch_id: 7, created_at: T },
          ],
          rejected: [{ source: 'students', reason: 'batch_id is not an INTEGER', raw: '{"id":3}', key: '3' }],
          offset: { hwm: 3 },
        },
      ],
    },
    batches: {
      source: 'batches',
      out: outs.batches,
      script: [{ type: 'batches', batches: [{ id: 7, name: 'nyc-web-040124', start_date: '2024-04-01', created_at: T }, { id: 8, name: 'empty', start_date: null, created_at: T }], rejected: [], cursor: { created_at: T, id: 8 } }],
    },
  };
  const args: AggregatorArgs = { warehouse, minLessons: 3, sources: 'test' };
  // Runs first, then students, then batches: the latest orders.
  const children = [
    { name: ACTORS.aggregator, module: AGGREGATOR, args },
    { name: ACTORS.test_runs, module: fixture('scripted-source'), args: scripts.test_runs, group: 'sources' },
    { name: ACTORS.students, module: fixture('scripted-source'), args: scripts.students, group: 'sources' },
    { name: ACTORS.batches, module: fixture('scripted-source'), args: scripts.batches, group: 'sources' },
  ];
  const lines = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>) : []);
  return { dir, warehouse, outs, children, lines };
}

function rows(warehouse: string) {
  const db = new Database(warehouse, { readonly: true });
  try {
    return {
      batches: db.prepare('SELECT id, student_count, qualified_students FROM batches ORDER BY id').all(),
      students: db.prepare('SELECT id, completed, qualified_at FROM students ORDER BY id').all(),
      rejected: db.prepare('SELECT source, key FROM rejected_records ORDER BY source').all(),
      offsets: Object.fromEntries((db.prepare('SELECT source, value FROM offsets').all() as { source: string; value: string }[]).map((r) => [r.source, JSON.parse(r.value)])),
    };
  } finally {
    db.close();
  }
}

test('late orders, offsets stored with their records, acks, a stale session dropped, resume after restarts', async (t) => {
  const { warehouse, outs, children, lines } = setup(t);
  const sup = await startSupervisor(t, { ...FAST, strategy: 'rest_for_one', children }, captureLogger().log);
  await waitFor(() => lines(outs.batches).some((l) => l['committed']) && lines(outs.students).some((l) => l['committed']) && lines(outs.test_runs).some((l) => l['committed']), {
    what: 'an ack for every source',
    timeoutMs: 20_000,
  });
  t.deepEqual(lines(outs.test_runs)[0]!['resume'].offset, null, 'a fresh warehouse: no log offset yet');
  t.deepEqual(lines(outs.students)[0]!['resume'].offset, { hwm: 0 });
  t.deepEqual(lines(outs.students)[0]!['resume'].known, []);
  t.deepEqual(lines(outs.test_runs).find((l) => l['committed'])!['committed'].offset, LOG_OFFSET);

  const r = rows(warehouse);
  t.deepEqual(r.batches, [
    { id: 7, student_count: 2, qualified_students: 1 },
    { id: 8, student_count: 0, qualified_students: 0 },
  ]);
  t.deepEqual(r.students, [
    { id: 1, completed: 3, qualified_at: new Date(at(3)).toISOString() },
    { id: 2, completed: 1, qualified_at: null },
  ]);
  t.deepEqual(r.rejected, [
    { source: 'students', key: '3' },
    { source: 'test_runs', key: 'k1' },
  ], 'the stale-session copy of the runs message was dropped: k1 once, completions not doubled');
  t.deepEqual(r.offsets, { test_runs: LOG_OFFSET, students: { hwm: 3 }, batches: { created_at: T, id: 8 } });
  t.is(sup.status().find((s) => s.name === ACTORS.aggregator)!.counters['dropped'], 1);

  // A source restarts: it is told the stored offset; the known student ids include the rejected one.
  await sup.restart(ACTORS.students);
  await waitFor(() => lines(outs.students).filter((l) => l['resume']).length === 2, { what: 'the second resume', timeoutMs: 20_000 });
  const second = lines(outs.students).filter((l) => l['resume'])[1]!['resume'];
  t.deepEqual(second.offset, { hwm: 3 });
  t.deepEqual(second.known, [1, 2, 3]);

  // The Aggregator restarts: the sources come back after it and resume from the warehouse.
  await sup.restart(ACTORS.aggregator);
  await waitFor(() => lines(outs.test_runs).filter((l) => l['resume']).length === 2, { what: 'the tailer to resume after the Aggregator restart', timeoutMs: 20_000 });
  t.deepEqual(lines(outs.test_runs).filter((l) => l['resume'])[1]!['resume'].offset, LOG_OFFSET);
  // Re-sent scripts changed nothing: applying twice is harmless.
  await waitFor(() => lines(outs.batches).filter((l) => l['committed']).length >= 2, { what: 'the batches re-sent and acked', timeoutMs: 20_000 });
  const again = rows(warehouse);
  t.deepEqual(again.batches, r.batches);
  t.deepEqual(again.students, r.students);
  t.deepEqual(again.rejected, r.rejected);
});
