// Restart types decide what an ended actor gets: permanent, always a restart; transient, a
// restart only after a crash; temporary, never. The supervisor and the other actors carry on.
import test from 'ava';
import type { RestartType, Supervisor } from '../../src/runtime/index.ts';
import { FAST, captureLogger, fixture, startSupervisor, statusOf, waitFor } from './helpers.ts';

async function endOnce(t: import('ava').ExecutionContext, restart: RestartType, how: 'crash' | 'finish') {
  const logs = captureLogger();
  const child =
    how === 'crash'
      ? { name: 'x', module: fixture('crasher'), args: { afterMs: 50, message: 'x failed' }, restart }
      : { name: 'x', module: fixture('finisher'), args: { afterMs: 50 }, restart };
  const sup = await startSupervisor(t, { ...FAST, children: [{ name: 'peer', module: fixture('tripwire') }, child] }, logs.log);
  const ended = how === 'crash' ? 'actor.crash' : 'actor.exit';
  await waitFor(() => logs.of(ended, 'x').length >= 1 && statusOf(sup, 'x').state !== 'running', { what: `x to ${how}` });
  return { sup, logs };
}

/** Waits for x's next start. */
function restarted(logs: ReturnType<typeof captureLogger>) {
  return waitFor(() => logs.of('actor.start', 'x').length >= 2, { what: 'x to start again' });
}

/**
 * A restart is decided (and its backoff logged) in the same step that logs the end; then a
 * sampling window of several backoff periods confirms that nothing starts x again.
 */
async function assertNotRestarted(t: import('ava').ExecutionContext, sup: Supervisor, logs: ReturnType<typeof captureLogger>) {
  t.deepEqual(logs.of('actor.backoff', 'x'), [], 'no restart was scheduled');
  const until = Date.now() + 3 * FAST.backoff.maxMs;
  while (Date.now() < until) {
    t.is(statusOf(sup, 'x').restarts, 0);
    await new Promise((r) => setTimeout(r, 50));
  }
  t.is(logs.of('actor.start', 'x').length, 1);
}

test('transient: a normal exit is final', async (t) => {
  const { sup, logs } = await endOnce(t, 'transient', 'finish');
  t.deepEqual(logs.of('actor.exit', 'x')[0]?.fields, { actor: 'x', normal: true });
  await assertNotRestarted(t, sup, logs);
  t.like(statusOf(sup, 'x'), { state: 'stopped', restarts: 0, lastError: null, threadId: null });
  t.is(statusOf(sup, 'peer').state, 'running');
});

test('transient: a crash is restarted', async (t) => {
  const { sup, logs } = await endOnce(t, 'transient', 'crash');
  await restarted(logs);
  t.is(statusOf(sup, 'x').restarts, 1);
  t.is(statusOf(sup, 'x').lastError, 'Error: x failed');
});

test('temporary: even a crash is final, and the rest carries on', async (t) => {
  const { sup, logs } = await endOnce(t, 'temporary', 'crash');
  await assertNotRestarted(t, sup, logs);
  t.like(statusOf(sup, 'x'), { state: 'stopped', restarts: 0, lastError: 'Error: x failed', threadId: null });
  t.deepEqual(logs.of('actor.backoff'), []);
  t.like(statusOf(sup, 'peer'), { state: 'running', restarts: 0 });
});

test('permanent: even a normal exit is restarted', async (t) => {
  const { sup, logs } = await endOnce(t, 'permanent', 'finish');
  await restarted(logs);
  t.is(statusOf(sup, 'x').restarts, 1);
  t.is(statusOf(sup, 'x').lastError, null);
});
