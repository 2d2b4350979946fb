// A restarted BatchFetcher resumes from the cursor the warehouse stored (the fake Aggregator's state
// file), not from the beginning and not from memory: its first request asks for the look-back
// window behind where that cursor says (its `rescan_from`: the cursor itself once a scan was read
// whole since), and it sends only what lies after it. Restarted in the middle of the history, it
// reads that interrupted scan again from its start, and still ends exact.
import fs from 'node:fs';
import test from 'ava';
import type { Batch } from '../../src/domain/records.ts';
import type { BatchCursor } from '../../src/domain/offsets.ts';
import { startSim } from '../simulator/helpers.ts';
import { waitFor } from '../runtime/helpers.ts';
import { DEADLINE, recordingProxy, startFetcher, type Harness, type Recorded } from './batch-fetcher-harness.ts';

const LOOK_BACK_MS = 60_001;
const stored = (h: Harness): NonNullable<BatchCursor> => (JSON.parse(fs.readFileSync(h.state, 'utf8')) as { offsets: { batches: NonNullable<BatchCursor> } }).offsets.batches;
const windowStart = (c: NonNullable<BatchCursor>): string => new Date(Date.parse(c.created_at) - LOOK_BACK_MS).toISOString();

/** Restarts BatchFetcher; returns the requests and messages of the new incarnation as they come. */
async function restart(h: Harness, proxy: Recorded) {
  const starts = h.logs.of('actor.start', 'BatchFetcher').length;
  await h.sup.restart('BatchFetcher');
  const startedAt = h.logs.of('actor.start', 'BatchFetcher')[starts]!.at;
  const session = (await waitFor(() => h.logs.of('batches.resume', 'BatchFetcher')[starts], { what: 'the new incarnation to resume', timeoutMs: DEADLINE })).fields;
  await waitFor(() => proxy.seen.some((s) => s.at >= startedAt), { what: 'a request of the new incarnation', timeoutMs: DEADLINE });
  return { resume: session, requests: () => proxy.seen.filter((s) => s.at >= startedAt) };
}

test('a restart resumes from the stored cursor, re-reading only the look-back window', async (t) => {
  const sim = await startSim(t, { seed: 51, history: { batches: 500, students: 0, testRuns: 0 }, faults: { 'invalid-batches': 0.05 } });
  const proxy = await recordingProxy(t, sim.apiUrl);
  const h = await startFetcher(t, proxy.url);
  await h.caughtUp(sim);
  t.true(proxy.seen.filter((s) => !s.query.has('after')).length === 1, 'only the very first request started from the beginning');

  // Quiet, the stored cursor says the next window is measured from the cursor itself (a scan read
  // whole since it was reached): that is where a restart looks back from.
  await waitFor(() => stored(h).rescan_from === stored(h).created_at, { what: 'the stored cursor to be looked back from itself', timeoutMs: DEADLINE });
  const cursor = stored(h);
  const before = h.messages().length;
  const r = await restart(h, proxy);
  t.is(r.resume['cursor'], `${cursor.created_at}#${cursor.id}`);
  const first = r.requests()[0]!;
  t.is(first.query.get('after'), windowStart(cursor));
  t.false(first.query.has('after_id'));
  await h.polls(2);
  t.true(r.requests().every((s) => s.query.has('after')), 'never from the beginning again');
  const resent = h.messages().slice(before).flatMap((m) => m.records as Batch[]);
  t.true(resent.length > 0 && resent.length < 10, `only the window is sent again (${resent.length})`);
  t.true(resent.every((b) => b.created_at > windowStart(cursor)));

  // The warehouse, not memory, says where to resume: move the stored cursor back (as if the last
  // commits were lost) and the next incarnation re-reads from there.
  const older = [...sim.ledger.batches.values()].sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id - b.id)[200]!;
  const state = JSON.parse(fs.readFileSync(h.state, 'utf8')) as { offsets: { batches: BatchCursor } };
  state.offsets.batches = { created_at: older.created_at, id: older.id };
  fs.writeFileSync(h.state, JSON.stringify(state));
  const mark = h.messages().length;
  const r2 = await restart(h, proxy);
  t.is(r2.requests()[0]!.query.get('after'), windowStart({ created_at: older.created_at, id: older.id }));
  await waitFor(() => JSON.stringify(stored(h)) === JSON.stringify(cursor), { what: 'the stored cursor to come back', timeoutMs: DEADLINE });
  await h.caughtUp(sim);
  const again = [...new Set(h.messages().slice(mark).flatMap((m) => (m.records as Batch[]).map((b) => b.id)))].sort((a, b) => a - b);
  const win = windowStart({ created_at: older.created_at, id: older.id });
  const after = [...sim.ledger.batches.values()].filter((b) => b.created_at > win);
  t.true(after.length > 200);
  t.deepEqual(again, after.map((b) => b.id).sort((a, b) => a - b), 'exactly the batches after the stored cursor\'s window were sent again');

  sim.addBatches(20);
  await h.caughtUp(sim);
});

test('restarted in the middle of the history, mid-request, it stops at once and still ends exact', async (t) => {
  const sim = await startSim(t, { seed: 52, history: { batches: 800, students: 0, testRuns: 0 }, faults: { 'ties': 0.02, 'invalid-batches': 0.03 }, tuning: { tieSize: 120 } });
  // The third page hangs for a minute: the restart comes while that request is in flight.
  sim.nextApiResponses([{ type: 'slow', delayMs: 0 }, { type: 'slow', delayMs: 0 }, { type: 'slow', delayMs: 60_000 }]);
  const proxy = await recordingProxy(t, sim.apiUrl);
  const h = await startFetcher(t, proxy.url, { timeoutMs: 120_000 }, { shutdownMs: 20_000 });
  await waitFor(() => proxy.seen.length >= 3 && h.messages().length >= 2, { what: 'two pages stored and the third asked for', timeoutMs: DEADLINE });
  const second = h.messages()[1]!.offset as NonNullable<BatchCursor>;
  await waitFor(() => JSON.stringify(stored(h)) === JSON.stringify(second), { what: "the second page's cursor stored", timeoutMs: DEADLINE });
  t.true(h.latest().size < sim.ledger.batches.size, 'restarted before the end of the history');
  const cursor = stored(h);
  t.is(cursor.rescan_from, null, 'stored during the first scan, which began with nothing acked');
  const r = await restart(h, proxy);
  t.like(h.logs.of('actor.stopped', 'BatchFetcher')[0]!.fields, { timedOut: undefined, error: undefined }, 'the hanging request was aborted, the stop was graceful');
  // A scan cut short is read again whole: a late batch may have appeared behind its pages.
  t.is(r.requests()[0]!.query.get('after'), null, 'the interrupted scan is read again from its start');
  await h.caughtUp(sim);
  t.is(new Set(h.messages().map((m) => m.session)).size, 2);
});
