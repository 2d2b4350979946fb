// CONTRACTS §1: many batches sharing one created_at, across page boundaries, each served once.
import test from 'ava';
import { getPage, pageAll, startSim } from './helpers.ts';

test('paging with limit=100 through 1,000 batches sharing one created_at returns each exactly once', async (t) => {
  const sim = await startSim(t, { history: { batches: 0, students: 0, testRuns: 0 } });
  const before = sim.addBatches(7);
  const tied = sim.addBatches(1_000, { sameCreatedAt: true });
  const after = sim.addBatches(5);
  t.is(new Set(tied.map((b) => b.created_at)).size, 1);

  const { batches, pages } = await pageAll(sim.apiUrl, { limit: 100 });
  const ids = batches.map((b) => b.id);
  t.is(ids.length, 1_012, 'no batch twice, none missing');
  t.deepEqual(new Set(ids), new Set([...before, ...tied, ...after].map((b) => b.id)));
  t.is(pages, 11);
  for (let i = 1; i < batches.length; i++) {
    const [a, b] = [batches[i - 1]!, batches[i]!];
    t.true(a.created_at < b.created_at || (a.created_at === b.created_at && a.id < b.id), `ordered at ${i}`);
  }
});

test('after alone skips every batch at that created_at; after_id resumes inside the tie', async (t) => {
  const sim = await startSim(t, { history: { batches: 0, students: 0, testRuns: 0 } });
  const tied = sim.addBatches(250, { sameCreatedAt: true });
  const ts = tied[0]!.created_at;
  const later = sim.addBatches(1);
  t.true(later[0]!.created_at >= ts);

  const page = await getPage(`${sim.apiUrl}/batches?after=${ts}&after_id=${tied[149]!.id}&limit=100`);
  t.deepEqual(page.batches.map((b) => b.id), tied.slice(150, 250).map((b) => b.id));
  t.true(page.has_more, 'the batch after the tie is still to come');

  const strictly = await getPage(`${sim.apiUrl}/batches?after=${ts}`);
  t.false(strictly.batches.some((b) => b.created_at === ts && tied.some((x) => x.id === b.id)));
});

test('the ties fault puts groups larger than a page into the history', async (t) => {
  const sim = await startSim(t, { history: { batches: 1_000, students: 0, testRuns: 0 }, faults: { ties: 0.5 } });
  const { batches } = await pageAll(sim.apiUrl, { limit: 100 });
  t.is(batches.length, 1_000);
  t.is(new Set(batches.map((b) => b.id)).size, 1_000);
  const perTime = new Map<string, number>();
  for (const b of batches) perTime.set(b.created_at, (perTime.get(b.created_at) ?? 0) + 1);
  t.true(Math.max(...perTime.values()) > 100, 'some created_at is shared by more than a page');
});
