// The poller re-reads the look-back window behind the acked cursor on every poll, hands each page
// over as it is read, and, when a page cannot be had, goes on from that page at the next poll
// rather than from the window's start (under a steady rate of faults a long window would rarely be
// read to its end); the poll after a whole one reads the window again.
import test from 'ava';
import { BatchesApi } from '../../src/sources/batches/api.ts';
import { BatchPoller } from '../../src/sources/batches/poller.ts';
import type { BatchCursor } from '../../src/domain/offsets.ts';
import { json, page, QUICK, scriptedServer } from './batches-api-server.ts';

const batch = (id: number, at: string) => ({ id, name: `b-${id}`, start_date: null, created_at: at });
const T1 = '2024-03-02T10:00:00.000Z';
const T2 = '2024-03-02T10:00:01.000Z';

test('a failed page is asked for again at the next poll; then the window is read whole again', async (t) => {
  const srv = await scriptedServer(t, [
    page([batch(1, T1), batch(2, T1)], true), // poll 1, page 1
    json(200, 'not json at all'), // poll 1, page 2: fails
    page([batch(3, T2)]), // poll 2: from page 2
    page([batch(1, T1), batch(2, T1), batch(3, T2)]), // poll 3: the window again
  ]);
  const api = new BatchesApi({ url: srv.url, retry: QUICK });
  t.teardown(() => api.close());
  const poller = new BatchPoller({ api, lookBackMs: 60_001 });
  const handed: number[][] = [];
  let lastCursor: BatchCursor = null;
  const hand = async (batches: { id: number }[], _r: unknown, cursor: BatchCursor) => {
    handed.push(batches.map((b) => b.id));
    lastCursor = cursor;
  };
  const signal = new AbortController().signal;
  let committed: BatchCursor = null;

  await t.throwsAsync(poller.poll(committed, hand, () => {}, signal), { message: /not JSON/ });
  t.deepEqual(handed, [[1, 2]], 'the first page was handed over before the second failed');
  committed = poller.sentCursor;
  t.deepEqual(committed, { created_at: T1, id: 2 });

  await poller.poll(committed, hand, () => {}, signal);
  const second = new URL(srv.seen[2]!.url, srv.url).searchParams;
  t.is(second.get('after'), T1, 'the second poll asks for the page that failed');
  t.is(second.get('after_id'), '2');
  t.deepEqual(handed, [[1, 2], [3]]);

  committed = poller.sentCursor;
  await poller.poll(committed, hand, () => {}, signal);
  const third = new URL(srv.seen[3]!.url, srv.url).searchParams;
  t.is(third.get('after'), null, 'then a whole window again: behind where the first scan began (nothing was acked then)');
  t.is(third.get('after_id'), null);
  t.deepEqual(handed, [[1, 2], [3], []], 'what was handed over unchanged is not handed over again');
  t.deepEqual(poller.sentCursor, { created_at: T2, id: 3 });
  t.deepEqual(lastCursor, { created_at: T2, id: 3, rescan_from: T2 }, 'read whole, the cursor is handed over once more: a restart would look back from it');
});

test('a late batch that appears behind the page a scan is on, while newer ones move the cursor on by more than 60 s, is read by the next scan', async (t) => {
  const at = (s: number) => new Date(Date.UTC(2024, 2, 2, 10, 0, 0) + s * 1000).toISOString();
  const late = batch(9, at(100.5)); // 59.5 s behind the newest served when it appears (b3 at 160 s)
  const srv = await scriptedServer(t, [
    page([batch(1, at(100)), batch(3, at(160))], true), // scan 1, page 1 (late appears after this answer)
    page([batch(4, at(161))]), // scan 1, page 2: the cursor moves to 161 s
    page([batch(1, at(100)), late, batch(3, at(160)), batch(4, at(161))]), // scan 2
    page([batch(4, at(161))]), // scan 3
  ]);
  const api = new BatchesApi({ url: srv.url, retry: QUICK });
  t.teardown(() => api.close());
  const poller = new BatchPoller({ api, lookBackMs: 60_001 });
  const handed: number[] = [];
  const signal = new AbortController().signal;
  let committed: BatchCursor = null;
  const hand = async (batches: { id: number }[]) => void handed.push(...batches.map((b) => b.id));

  await poller.poll(committed, hand, () => {}, signal);
  committed = poller.sentCursor;
  t.deepEqual(committed, { created_at: at(161), id: 4 });
  // Behind 161 s less 60 s the late batch (100.5 s) would be missed: the window starts where scan 1 began.
  await poller.poll(committed, hand, () => {}, signal);
  t.is(new URL(srv.seen[2]!.url, srv.url).searchParams.get('after'), null, 'scan 2 reads from where scan 1 began (nothing acked then)');
  t.deepEqual(handed, [1, 3, 4, 9]);
  committed = poller.sentCursor;
  await poller.poll(committed, hand, () => {}, signal);
  t.is(new URL(srv.seen[3]!.url, srv.url).searchParams.get('after'), new Date(Date.parse(at(161)) - 60_001).toISOString(), 'scan 3: 60 s behind where scan 2 began');
});

test('the same late batch with a restart between the two scans (kill -9): the new poller looks back from where the stored cursor says, and reads it', async (t) => {
  const at = (s: number) => new Date(Date.UTC(2024, 2, 2, 10, 0, 0) + s * 1000).toISOString();
  const late = batch(9, at(100.5));
  const srv = await scriptedServer(t, [
    page([batch(1, at(100)), batch(3, at(160))], true), // scan 1, page 1 (late appears after this answer)
    page([batch(4, at(161))]), // scan 1, page 2: the cursor moves to 161 s
    page([batch(1, at(100)), late, batch(3, at(160)), batch(4, at(161))]), // after the restart
    page([batch(5, at(170))]), // scan 2 of the new poller, from where it began
  ]);
  const api = new BatchesApi({ url: srv.url, retry: QUICK });
  t.teardown(() => api.close());
  const signal = new AbortController().signal;
  const handed: number[] = [];
  // What the warehouse stores: the cursor handed over with the last page, as JSON.
  let stored: BatchCursor = null;
  const hand = async (batches: { id: number }[], _r: unknown, cursor: BatchCursor) => {
    handed.push(...batches.map((b) => b.id));
    stored = JSON.parse(JSON.stringify(cursor)) as BatchCursor;
  };

  await new BatchPoller({ api, lookBackMs: 60_001 }).poll(stored, hand, () => {}, signal);
  t.deepEqual(stored, { created_at: at(161), id: 4, rescan_from: null }, 'scan 1 began with nothing acked');

  const restarted = new BatchPoller({ api, lookBackMs: 60_001 });
  await restarted.poll(stored, hand, () => {}, signal);
  t.is(new URL(srv.seen[2]!.url, srv.url).searchParams.get('after'), null, 'the first scan after the restart reads from where scan 1 began');
  t.deepEqual(handed.slice(3), [1, 9, 3, 4], 'the window again, the late batch in it (the others are the same batches served again to the warehouse)');
  t.deepEqual(stored, { created_at: at(161), id: 4, rescan_from: at(161) });

  await restarted.poll(stored, hand, () => {}, signal);
  t.is(new URL(srv.seen[3]!.url, srv.url).searchParams.get('after'), new Date(Date.parse(at(161)) - 60_001).toISOString(), 'then 60 s behind where its first scan began');
  t.deepEqual(stored, { created_at: at(170), id: 5, rescan_from: at(161) });
});

test('a cursor stored without rescan_from (by rebuild, or before it was kept) is looked back from itself', async (t) => {
  const srv = await scriptedServer(t, [page([batch(1, T2)])]);
  const api = new BatchesApi({ url: srv.url, retry: QUICK });
  t.teardown(() => api.close());
  await new BatchPoller({ api, lookBackMs: 60_001 }).poll({ created_at: T2, id: 1 }, async () => {}, () => {}, new AbortController().signal);
  t.is(new URL(srv.seen[0]!.url, srv.url).searchParams.get('after'), new Date(Date.parse(T2) - 60_001).toISOString());
});
