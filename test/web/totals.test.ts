// /metrics' counters only grow, while an actor's own counters start again at 0 in every
// incarnation: web/totals.ts adds each incarnation's counts, seen from its start to its end
// (the supervisor keeps a stopped incarnation's last counters until the next one runs).
import test from 'ava';
import { Totals, counterNumber } from '../../src/web/totals.ts';
import { emptyFreshness, encodeFreshness, observeFreshness } from '../../src/domain/freshness.ts';
import type { ActorStatus } from '../../src/runtime/supervisor.ts';

const status = (threadId: number | null, counters: ActorStatus['counters']): ActorStatus[] => [
  { name: 'LogTailer', state: threadId === null ? 'stopped' : 'running', threadId, restarts: 0, lastError: null, mailboxDepth: 0, mailboxCapacity: 8, handled: 0, heapUsed: 0, counters },
];

test('records are totalled over incarnations: a new thread counts from 0, a stopped one keeps its last counts', (t) => {
  const totals = new Totals(['records'], 'freshness_hist');
  totals.sample(status(1, { records: 10 }));
  totals.sample(status(1, { records: 15 }));
  t.is(totals.total('LogTailer', 'records'), 15);
  totals.sample(status(null, { records: 20 })); // its end, as actor.stopped finds it
  t.is(totals.total('LogTailer', 'records'), 20);
  totals.sample(status(2, {})); // the next one, before its first heartbeat
  totals.sample(status(2, { records: 3 }));
  t.is(totals.total('LogTailer', 'records'), 23);
  // One that died while starting (never seen running): its lower count is a count from 0.
  totals.sample(status(null, { records: 1 }));
  t.is(totals.total('LogTailer', 'records'), 24);
  t.is(totals.total('Nobody', 'records'), 0);
});

test('freshness buckets are totalled the same way, and a lag of "50000+" is a number', (t) => {
  const totals = new Totals([], 'freshness_hist');
  const a = emptyFreshness();
  observeFreshness(a, 0);
  observeFreshness(a, 3);
  totals.sample(status(1, { freshness_hist: encodeFreshness(a) }));
  observeFreshness(a, 20_000);
  totals.sample(status(1, { freshness_hist: encodeFreshness(a) }));
  const b = emptyFreshness();
  observeFreshness(b, 1);
  totals.sample(status(2, { freshness_hist: encodeFreshness(b) }));
  t.is(totals.freshness.count, 4);
  t.is(totals.freshness.sumMs, 20_004);
  t.is(totals.freshness.buckets[0], 2, 'two of 1 ms or less');
  t.is(totals.freshness.buckets[2], 1, 'one of 5 ms or less');
  t.is(totals.freshness.buckets.at(-1), 1, 'one past 10 s');
  totals.sample(status(2, { freshness_hist: 'garbage' }));
  t.is(totals.freshness.count, 4, 'a counter it cannot read changes nothing');
  t.is(counterNumber('50000+'), 50_000);
  t.is(counterNumber('-'), undefined);
});
