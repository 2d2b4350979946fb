// `batchboard top` prints CONTRACTS §4's leaderboard of a warehouse, as a table or JSON, also while
// another connection holds a write transaction open on it; a missing warehouse or a bad --limit is
// one line and exit 2.
import test from 'ava';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { expectedTop } from '../../src/simulator/index.ts';
import { batchboard } from './helpers.ts';
import { startSim, tempDir } from '../simulator/helpers.ts';
import { sourceFlags, warehousePath } from '../batch/helpers.ts';

const oneLine = (s: string) => s.trimEnd().split('\n').length === 1;

async function rebuilt(t: Parameters<typeof warehousePath>[0]) {
  const sim = await startSim(t, { history: { batches: 40, students: 1_500, testRuns: 30_000 }, faults: { 'ties': 0.05, 'invalid-batches': 0.02 } });
  const warehouse = warehousePath(t);
  const r = await batchboard(['rebuild', ...sourceFlags(sim), '--warehouse', warehouse]);
  t.is(r.code, 0, r.stderr);
  return { sim, warehouse };
}

test('the leaderboard as a table and as JSON, in the order of the contract query', async (t) => {
  const { sim, warehouse } = await rebuilt(t);
  const want = expectedTop(sim.expected(), 10);
  t.true(want[0]!.qualified_students > 0, 'some batch has qualified students');

  const table = await batchboard(['top', '--warehouse', warehouse]);
  t.is(table.code, 0, table.stderr);
  const lines = table.stdout.trimEnd().split('\n');
  t.regex(lines[0]!, /^rank\s+id\s+name\s+qualified_students$/);
  t.is(lines.length, 11);
  lines.slice(1).forEach((line, i) => {
    const cells = line.trim().split(/\s+/);
    t.deepEqual(cells, [String(i + 1), String(want[i]!.id), want[i]!.name, String(want[i]!.qualified_students)]);
  });
  // Aligned: every row as long as the header, numbers ending under their header.
  t.true(lines.every((l) => l.length === lines[0]!.length), table.stdout);

  const json = await batchboard(['top', '--warehouse', warehouse, '--json', '--limit', '25']);
  t.is(json.code, 0, json.stderr);
  t.deepEqual(
    JSON.parse(json.stdout),
    expectedTop(sim.expected(), 25).map((b, i) => ({ rank: i + 1, ...b })),
  );

  const three = await batchboard(['top', '--warehouse', warehouse, '--limit', '3', '--json']);
  t.is(JSON.parse(three.stdout).length, 3);
});

test('reads while another connection holds a write transaction open', async (t) => {
  const { sim, warehouse } = await rebuilt(t);
  const writer = new Database(warehouse);
  t.teardown(() => writer.close());
  writer.pragma('busy_timeout = 5000');
  writer.exec('BEGIN IMMEDIATE');
  writer.prepare('UPDATE batches SET qualified_students = qualified_students + 1000 WHERE id = (SELECT max(id) FROM batches)').run();

  const during = await batchboard(['top', '--warehouse', warehouse, '--json', '--limit', '5']);
  t.is(during.code, 0, during.stderr);
  const committed = expectedTop(sim.expected(), 5).map((b, i) => ({ rank: i + 1, ...b }));
  t.deepEqual(JSON.parse(during.stdout), committed, 'the last committed state, not the open transaction');

  writer.exec('COMMIT');
  const after = await batchboard(['top', '--warehouse', warehouse, '--json', '--limit', '1']);
  t.is(JSON.parse(after.stdout)[0].qualified_students >= 1000, true);
});

test('a missing warehouse, a foreign file and a bad --limit are one line, exit 2', async (t) => {
  const dir = tempDir(t);
  const missing = join(dir, 'nowhere.db');
  const r = await batchboard(['top', '--warehouse', missing]);
  t.is(r.code, 2);
  t.is(r.stderr, `batchboard: top: warehouse ${missing} does not exist (name an existing one with --warehouse)\n`);

  const text = join(dir, 'notes.txt');
  writeFileSync(text, 'not a database at all, just some words that are long enough to fill a header\n'.repeat(20));
  const foreign = await batchboard(['top', '--warehouse', text]);
  t.is(foreign.code, 2);
  t.true(oneLine(foreign.stderr), foreign.stderr);
  t.regex(foreign.stderr, /top: .*notes\.txt is not a batchboard warehouse/);

  const other = join(dir, 'other.db');
  const db = new Database(other);
  db.exec('CREATE TABLE batches (id INTEGER PRIMARY KEY)');
  db.close();
  const notOurs = await batchboard(['top', '--warehouse', other]);
  t.is(notOurs.code, 2);
  t.regex(notOurs.stderr, /top: .*other\.db is not a batchboard warehouse \(it has no meta table\)/);

  for (const [limit, re] of [
    ['0', /top: --limit must be between 1 and 1000, got 0/],
    ['1001', /top: --limit must be between 1 and 1000, got 1001/],
    ['ten', /top: --limit must be an integer, got 'ten'/],
  ] as const) {
    const bad = await batchboard(['top', '--warehouse', missing, '--limit', limit]);
    t.is(bad.code, 2, limit);
    t.true(oneLine(bad.stderr));
    t.regex(bad.stderr, re);
  }
});
