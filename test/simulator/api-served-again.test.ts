// CONTRACTS §1: the same batch served again; the latest version wins.
import test from 'ava';
import { getPage, pageAll, startSim } from './helpers.ts';

test('a batch served again moves past the cursor with its new version, once', async (t) => {
  const sim = await startSim(t);
  const first = await pageAll(sim.apiUrl);
  const last = first.batches[first.batches.length - 1]!;
  const old = first.batches[3]!;

  const again = sim.serveBatchAgain(old.id, { changed: true });
  t.is(again.id, old.id);
  t.not(again.start_date, old.start_date);
  t.regex(again.name, /^[a-z]+-[a-z]+-\d{6}$/);

  const next = await getPage(`${sim.apiUrl}/batches?after=${last.created_at}&after_id=${last.id}`);
  t.deepEqual(next.batches, [again]);
  const all = await pageAll(sim.apiUrl);
  t.is(all.batches.filter((b) => b.id === old.id).length, 1, 'one entry per id');
  t.deepEqual(sim.ledger.batches.get(old.id), again, 'the ledger keeps the latest version');
  t.is(sim.ledger.published.length, first.batches.length + 1);
  t.deepEqual(sim.ledger.published.filter((b) => b.id === old.id), [old, again]);
});

test('served again unchanged: same content, newer created_at', async (t) => {
  const sim = await startSim(t);
  const before = sim.ledger.batches.get(5)!;
  const again = sim.serveBatchAgain(5, { changed: false });
  t.is(again.name, before.name);
  t.is(again.start_date, before.start_date);
  t.true(again.created_at > before.created_at);
});
