// CONTRACTS §1: one batch with invalid fields inside an otherwise valid page.
import test from 'ava';
import { INVALID_BATCH_KINDS } from '../../src/simulator/index.ts';
import { startSim } from './helpers.ts';

test('each kind of invalid batch is served inside a valid page and listed in the ledger', async (t) => {
  const sim = await startSim(t, { history: { batches: 0, students: 0, testRuns: 0 } });
  sim.addBatches(2);
  const rejected = INVALID_BATCH_KINDS.map((kind) => sim.addInvalidBatch(kind));
  sim.addBatches(2);
  const res = await fetch(`${sim.apiUrl}/batches`);
  const page = (await res.json()) as { batches: Record<string, unknown>[] };
  t.is(page.batches.length, 4 + INVALID_BATCH_KINDS.length);
  t.deepEqual(page.batches.slice(2, 2 + rejected.length), rejected.map((r) => r.raw));

  const bad = (kind: string) => rejected.find((r) => r.kind === kind)!.raw;
  t.is(bad('name-empty')['name'], '');
  t.false('name' in bad('name-missing'));
  t.regex(String(bad('start-date-format')['start_date']), /^\d\d\/\d\d\/\d{4}$/);
  t.notRegex(String(bad('created-at-format')['created_at']), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  t.is(typeof bad('id-string')['id'], 'string');
  t.true((bad('id-not-positive')['id'] as number) <= 0);

  t.deepEqual(sim.ledger.rejectedBatches.map((r) => r.kind), [...INVALID_BATCH_KINDS]);
  t.is(sim.ledger.batches.size, 4, 'only valid batches are expected in the warehouse');
  t.is(sim.expected().rejected.batches, INVALID_BATCH_KINDS.length);
});
