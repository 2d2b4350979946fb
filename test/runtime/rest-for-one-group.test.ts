// Under rest_for_one, siblings sharing a `group` act as a nested one_for_one supervisor: the
// pipeline's shape (Aggregator first, then three independent sources). A crash of the first actor
// takes the whole group along; a crash or hot restart of a group member takes nobody.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { SpecError, Supervisor, silentLogger } from '../../src/runtime/index.ts';
import { FAST, captureLogger, fixture, startSupervisor, tempDir, waitFor } from './helpers.ts';

const NAMES = ['Agg', 'S1', 'S2', 'S3'] as const;

async function start(t: import('ava').ExecutionContext) {
  const dir = tempDir(t);
  const logs = captureLogger();
  const sup = await startSupervisor(
    t,
    {
      ...FAST,
      strategy: 'rest_for_one',
      children: NAMES.map((name) => ({
        name,
        module: fixture('tripwire'),
        args: { trigger: path.join(dir, `crash-${name}`), action: 'crash', message: `${name} tripped` },
        ...(name === 'Agg' ? {} : { group: 'sources' }),
      })),
    },
    logs.log,
  );
  const threads = () => new Map(sup.status().map((s) => [s.name, s.threadId]));
  return { dir, logs, sup, threads, before: threads() };
}

test('a crash of a group member restarts only that member', async (t) => {
  const { dir, logs, sup, threads, before } = await start(t);
  fs.writeFileSync(path.join(dir, 'crash-S1'), '');
  await waitFor(() => logs.of('actor.crash', 'S1').length === 1 && sup.status().every((s) => s.state === 'running') && threads().get('S1') !== before.get('S1'), {
    what: 'S1 to crash and run again',
    timeoutMs: 20_000,
  });
  const after = threads();
  for (const name of ['Agg', 'S2', 'S3']) t.is(after.get(name), before.get(name), `${name} kept its thread`);
  t.deepEqual(logs.of('actor.stopped'), []);
});

test('a crash of the actor before the group restarts the whole group after it', async (t) => {
  const { dir, logs, sup, threads, before } = await start(t);
  fs.writeFileSync(path.join(dir, 'crash-Agg'), '');
  await waitFor(() => sup.status().every((s) => s.state === 'running' && threads().get(s.name) !== before.get(s.name)), {
    what: 'all four to run on new threads',
    timeoutMs: 20_000,
  });
  t.deepEqual(logs.of('actor.stopped').map((e) => e.fields.actor), ['S3', 'S2', 'S1']);
});

test('a hot restart of a group member takes nobody along', async (t) => {
  const { logs, sup, threads, before } = await start(t);
  await sup.restart('S2');
  const after = threads();
  t.not(after.get('S2'), before.get('S2'));
  for (const name of ['Agg', 'S1', 'S3']) t.is(after.get(name), before.get(name), `${name} kept its thread`);
  t.deepEqual(logs.of('actor.restart')[0]?.fields, { actor: 'S2', reason: 'requested', group: ['S2'] });
});

test('a group name is checked up front', (t) => {
  const err = t.throws(() => new Supervisor({ children: [{ name: 'A', module: 'x', group: 'no spaces' }] }, silentLogger), { instanceOf: SpecError });
  t.is(err?.message, 'children[0].group must be a string of letters, digits, _ or -, starting with a letter');
});
