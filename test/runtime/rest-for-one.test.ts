// Under rest_for_one a crash restarts the crashed actor and every actor started after it, in
// order; those before it keep running on their threads. Under one_for_one only the crashed one
// restarts.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import type { Strategy } from '../../src/runtime/index.ts';
import { FAST, captureLogger, fixture, startSupervisor, tempDir, waitFor } from './helpers.ts';

const NAMES = ['A', 'B', 'C', 'D'] as const;

async function crashB(t: import('ava').ExecutionContext, strategy: Strategy) {
  const dir = tempDir(t);
  const trigger = path.join(dir, 'crash-B');
  const logs = captureLogger();
  const sup = await startSupervisor(
    t,
    {
      ...FAST,
      strategy,
      children: NAMES.map((name) => ({
        name,
        module: fixture('tripwire'),
        args: { trigger: path.join(dir, `crash-${name}`), action: 'crash', message: `${name} tripped` },
      })),
    },
    logs.log,
  );
  const before = new Map(sup.status().map((s) => [s.name, s.threadId]));
  t.is(new Set(before.values()).size, 4, 'four threads');
  t.true(sup.status().every((s) => s.state === 'running' && s.restarts === 0));

  fs.writeFileSync(trigger, '');
  const restarted = strategy === 'rest_for_one' ? ['B', 'C', 'D'] : ['B'];
  await waitFor(
    () =>
      logs.of('actor.crash', 'B').length === 1 &&
      sup.status().every((s) => s.state === 'running' && (!restarted.includes(s.name) || s.threadId !== before.get(s.name))),
    { timeoutMs: 20_000, what: `B to crash and ${restarted.join(', ')} to be running again on new threads` },
  );
  return { sup, logs, before };
}

test('rest_for_one: B crashes, B, C and D restart in order, A keeps its thread', async (t) => {
  const { sup, logs, before } = await crashB(t, 'rest_for_one');
  const after = new Map(sup.status().map((s) => [s.name, s]));

  t.is(after.get('A')!.threadId, before.get('A')!);
  t.is(after.get('A')!.restarts, 0);
  for (const name of ['B', 'C', 'D']) {
    t.not(after.get(name)!.threadId, before.get(name)!, `${name} has a new thread`);
    t.not(after.get(name)!.threadId, null);
    t.is(after.get(name)!.restarts, 1, `${name} restarted once`);
  }
  for (const name of NAMES) t.is(after.get(name)!.state, 'running', `${name} is running`);
  t.is(after.get('B')!.lastError, 'Error: B tripped');
  for (const name of ['A', 'C', 'D']) t.is(after.get(name)!.lastError, null, `${name} did not crash`);

  // The ones after B were stopped gracefully, last first, then all three started in list order.
  t.deepEqual(logs.of('actor.stopped').map((e) => e.fields.actor), ['D', 'C']);
  t.deepEqual(
    logs.of('actor.restart').map((e) => [e.fields.actor, e.fields.reason]),
    [
      ['B', 'crash'],
      ['C', 'rest_for_one after B'],
      ['D', 'rest_for_one after B'],
    ],
  );
  const startsAfterCrash = logs.of('actor.start').slice(4).map((e) => e.fields.actor);
  t.deepEqual(startsAfterCrash, ['B', 'C', 'D']);
});

test('one_for_one control: only the crashed actor restarts', async (t) => {
  const { sup, logs, before } = await crashB(t, 'one_for_one');
  const after = new Map(sup.status().map((s) => [s.name, s]));

  t.not(after.get('B')!.threadId, before.get('B')!);
  t.is(after.get('B')!.restarts, 1);
  for (const name of ['A', 'C', 'D']) {
    t.is(after.get(name)!.threadId, before.get(name)!, `${name} kept its thread`);
    t.is(after.get(name)!.restarts, 0, `${name} was not restarted`);
  }
  for (const name of NAMES) t.is(after.get(name)!.state, 'running');
  t.deepEqual(logs.of('actor.stopped'), []);
  t.deepEqual(logs.of('actor.restart').map((e) => e.fields.actor), ['B']);
});

test('rest_for_one: a hot restart of B takes C and D along, stopping them first, last first', async (t) => {
  const logs = captureLogger();
  const sup = await startSupervisor(
    t,
    { ...FAST, strategy: 'rest_for_one', children: NAMES.map((name) => ({ name, module: fixture('tripwire') })) },
    logs.log,
  );
  const before = new Map(sup.status().map((s) => [s.name, s.threadId]));
  await sup.restart('B');
  const after = new Map(sup.status().map((s) => [s.name, s]));
  t.is(after.get('A')!.threadId, before.get('A')!);
  t.is(after.get('A')!.restarts, 0);
  for (const name of ['B', 'C', 'D']) {
    t.not(after.get(name)!.threadId, before.get(name)!);
    t.is(after.get(name)!.restarts, 1);
  }
  for (const name of NAMES) t.is(after.get(name)!.state, 'running');
  t.deepEqual(logs.of('actor.stopped').map((e) => e.fields.actor), ['D', 'C', 'B']);
  t.deepEqual(logs.of('actor.start').slice(4).map((e) => e.fields.actor), ['B', 'C', 'D']);
  t.deepEqual(logs.of('actor.restart')[0]?.fields, { actor: 'B', reason: 'requested', group: ['B', 'C', 'D'] });
  t.deepEqual(logs.of('actor.crash'), []);
});
