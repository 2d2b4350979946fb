// `batchboard explain BATCH`: the batch and each of its students, as a table and as JSON, equal to
// what the warehouse holds (its students, their completed, qualified_at, lessons earliest first);
// a hostile batch name shown escaped; an id nothing names is one line and exit 1; a BATCH that is
// not an id, or no BATCH, exit 2.
import test from 'ava';
import { batchboard } from './helpers.ts';
import { seeded, HOSTILE } from '../web/helpers.ts';
import { readWarehouse } from '../../src/storage/reader.ts';

test('a batch explained as a table and as JSON; unknown and malformed ids', async (t) => {
  const { warehouse } = await seeded(t, 'sqlite');
  const detail = await readWarehouse(warehouse, (r) => r.batchDetail(2));
  t.truthy(detail);

  const json = await batchboard(['explain', '2', '--warehouse', warehouse, '--json']);
  t.is(json.code, 0, json.stderr);
  t.deepEqual(JSON.parse(json.stdout), detail);

  const table = await batchboard(['explain', '2', '--warehouse', warehouse]);
  t.is(table.code, 0, table.stderr);
  const lines = table.stdout.trimEnd().split('\n');
  t.is(lines[0], `batch 2 ${JSON.stringify(HOSTILE)} (starts 2024-05-01): 2 of 2 students qualified, rank 1`);
  t.regex(lines[1]!, /^a student qualifies with 3 completed lessons; qualified_at is when the 3rd of them was first completed \(event time\)$/);
  t.regex(lines[3]!, /^id +name +completed +qualified +qualified_at +lessons, earliest first$/);
  const rows = lines.slice(4).map((l) => l.trim().split(/\s{2,}/));
  t.deepEqual(
    rows,
    detail!.students.map((s) => [String(s.id), s.name, String(s.completed), s.completed >= 3 ? 'yes' : 'no', s.qualified_at ?? '-', s.lessons.map((l) => l.lesson).join(' ') || '-']),
  );

  const unknown = await batchboard(['explain', '999', '--warehouse', warehouse]);
  t.is(unknown.code, 1);
  t.is(unknown.stderr, 'batchboard: explain: batch 999 is not in the warehouse (no batch row, and no student names it)\n');
  for (const bad of [['x1'], ['1.5'], []]) {
    const r = await batchboard(['explain', ...bad, '--warehouse', warehouse]);
    t.is(r.code, 2, `explain ${bad.join(' ')}: ${r.stderr}`);
    t.is(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  }
});
