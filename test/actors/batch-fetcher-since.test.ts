// --since: only batches created on or after that day (UTC) reach the Aggregator, from the history
// and from what arrives later; nothing older is ever sent, also after a restart resumes.
import test from 'ava';
import type { Batch } from '../../src/domain/records.ts';
import { startSim } from '../simulator/helpers.ts';
import { startFetcher, recordingProxy } from './batch-fetcher-harness.ts';

const SINCE = '2022-09-15';
const onOrAfter = (b: Batch): boolean => b.created_at >= `${SINCE}T00:00:00.000Z`;

test('since limits the batches to those created on or after that date', async (t) => {
  const sim = await startSim(t, {
    seed: 41,
    history: { batches: 400, students: 0, testRuns: 0 },
    live: { manual: true, batchesPerSec: 2, studentsPerSec: 0, testRunsPerSec: 0 },
    faults: { 'duplicate-batches': 0.2, 'late-batches': 0.2 },
  });
  const all = [...sim.ledger.batches.values()];
  t.true(all.some(onOrAfter) && all.filter(onOrAfter).length < all.length - 50, 'the history spans the date');
  const proxy = await recordingProxy(t, sim.apiUrl);
  const h = await startFetcher(t, proxy.url, { since: SINCE });
  await h.caughtUp(sim, onOrAfter);
  t.is(proxy.seen[0]!.query.get('after'), '2022-09-14T23:59:59.999Z', 'the first request starts just before midnight');

  for (let i = 0; i < 10; i++) {
    sim.step(1_000);
    await h.polls(1);
  }
  await h.sup.restart('BatchFetcher');
  await h.polls(2);
  await h.caughtUp(sim, onOrAfter);
  const sent = h.messages().flatMap((m) => m.records as Batch[]);
  t.true(sent.length > 0);
  t.deepEqual(sent.filter((b) => !onOrAfter(b)), [], 'nothing older than since was ever sent');
  t.true(proxy.seen.every((s) => (s.query.get('after') ?? '') >= '2022-09-14T23:59:59.999Z'), 'no request reached before since');
});
