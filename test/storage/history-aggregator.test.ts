// The Aggregator stores the log history a `runs` message carries (`lost`) in the transaction of
// its runs and offset, also from a message that carries nothing else; once per key.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import Database from 'better-sqlite3';
import { FAST, captureLogger, fixture, startSupervisor, tempDir, waitFor } from '../runtime/helpers.ts';
import { ACTORS } from '../../src/actors/messages.ts';
import type { ScriptedSourceArgs } from '../fixtures/scripted-source.ts';
import type { AggregatorArgs } from '../../src/actors/aggregator.ts';
import { storedPairCount } from './stored-completions.ts';
import { triples } from '../triples.ts';

const AGGREGATOR = fileURLToPath(new URL('../../src/actors/aggregator.ts', import.meta.url));
const BEFORE = { dev: 1, ino: 42, pos: 5_000, head: 'eyJpZCI6' };
const AFTER = { dev: 1, ino: 42, pos: 140, head: 'eyJhIjox' };

test('lost history rides with runs (or alone) and is stored with their offset, once per key', async (t) => {
  const dir = tempDir(t);
  const warehouse = path.join(dir, 'w.db');
  const out = path.join(dir, 'runs.jsonl');
  const truncated = { reason: 'truncated' as const, file: 'test_runs.log', pos: 5_000, key: 'truncated:test_runs.log:5000@1:42:eyJpZCI6' };
  const deleted = { reason: 'deleted' as const, file: 'test_runs.log.1', pos: 77, key: 'deleted:test_runs.log.1:77@1:42:eyJhIjox' };
  const script: ScriptedSourceArgs = {
    source: 'test_runs',
    out,
    staleFirst: true,
    script: [
      { type: 'runs', completions: triples([1, 1]), runs: 3, rejected: [], offset: BEFORE, readAt: Date.now() },
      // The truncation, with the first runs read after it.
      { type: 'runs', completions: triples([1, 2]), runs: 1, rejected: [], offset: AFTER, readAt: Date.now(), lost: [truncated] },
      // A loss alone: no runs, the offset unchanged; and the truncation said again.
      { type: 'runs', completions: [], runs: 0, rejected: [], offset: AFTER, readAt: Date.now(), lost: [deleted, truncated] },
    ],
  };
  const args: AggregatorArgs = { warehouse, minLessons: 3, sources: 'test' };
  await startSupervisor(
    t,
    {
      ...FAST,
      strategy: 'rest_for_one',
      children: [
        { name: ACTORS.aggregator, module: AGGREGATOR, args },
        { name: ACTORS.test_runs, module: fixture('scripted-source'), args: script, group: 'sources' },
      ],
    },
    captureLogger().log,
  );
  const acks = () => (fs.existsSync(out) ? fs.readFileSync(out, 'utf8').trim().split('\n').filter((l) => l.includes('"committed"')).length : 0);
  const history = () => {
    const db = new Database(warehouse, { readonly: true });
    try {
      return {
        rows: db.prepare('SELECT reason, file, pos, key FROM log_history ORDER BY id').all(),
        offset: JSON.parse(db.prepare("SELECT value FROM offsets WHERE source = 'test_runs'").pluck().get() as string),
        completions: storedPairCount(db),
      };
    } finally {
      db.close();
    }
  };
  await waitFor(() => acks() > 0 && fs.existsSync(warehouse) && history().rows.length === 2 && history().completions === 2, {
    what: 'the three messages committed',
    timeoutMs: 20_000,
  });
  const h = history();
  t.deepEqual(h.rows, [truncated, deleted], 'in the order seen, each once: the truncation said again is not a second row');
  t.deepEqual(h.offset, AFTER);
});
