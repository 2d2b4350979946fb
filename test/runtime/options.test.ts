// Child specs and supervisor options are checked up front: each bad field fails at construction,
// before any thread starts, with a SpecError whose wording names the field and the reason.
import test from 'ava';
import { DEFAULTS, SpecError, Supervisor, silentLogger, type ChildSpec, type SupervisorOptions } from '../../src/runtime/index.ts';
import { fixture } from './helpers.ts';

const module = fixture('tripwire');
const child = (name: string, extra: Partial<ChildSpec> = {}): ChildSpec => ({ name, module, ...extra });

function rejects(t: import('ava').ExecutionContext, opts: unknown, message: string): void {
  const err = t.throws(() => new Supervisor(opts as SupervisorOptions, silentLogger), { instanceOf: SpecError });
  t.is(err?.message, message);
  t.is(err?.name, 'SpecError');
}

test('defaults are written down and applied to a minimal spec', (t) => {
  const s = new Supervisor({ children: [child('a')] }, silentLogger);
  t.deepEqual(s.options, {
    children: [
      {
        name: 'a',
        module,
        restart: DEFAULTS.restart,
        shutdownMs: DEFAULTS.shutdownMs,
        mailboxCapacity: DEFAULTS.mailboxCapacity,
        startTimeoutMs: DEFAULTS.startTimeoutMs,
        args: undefined,
        group: null,
      },
    ],
    strategy: 'one_for_one',
    intensity: { maxRestarts: 5, withinMs: 10_000 },
    backoff: { initialMs: 100, maxMs: 10_000, resetAfterMs: 30_000 },
    heartbeat: { intervalMs: 1000, timeoutMs: 3000 },
  });
  t.deepEqual(s.status().map((a) => [a.name, a.state, a.threadId]), [['a', 'idle', null]]);
});

test('duplicate child name', (t) => {
  rejects(t, { children: [child('a'), child('b'), child('a')] }, "duplicate child name 'a'");
});

test('invalid restart type', (t) => {
  rejects(
    t,
    { children: [child('a'), child('b', { restart: 'sometimes' as never })] },
    'children[1].restart must be one of permanent, transient, temporary (invalid_restart_type)',
  );
});

for (const bad of [0, -8, 1.5, '8', Number.NaN, null]) {
  test(`mailboxCapacity ${typeof bad === 'string' ? `'${bad}'` : String(bad)} is not a positive integer`, (t) => {
    rejects(
      t,
      { children: [child('a', { mailboxCapacity: bad as number })] },
      'children[0].mailboxCapacity must be a positive integer',
    );
  });
}

test('shutdownMs and startTimeoutMs must be positive integers', (t) => {
  rejects(t, { children: [child('a', { shutdownMs: 0 })] }, 'children[0].shutdownMs must be a positive integer');
  rejects(t, { children: [child('a'), child('b', { startTimeoutMs: -1 })] }, 'children[1].startTimeoutMs must be a positive integer');
});

test('bad strategy', (t) => {
  rejects(
    t,
    { children: [child('a')], strategy: 'one_for_all' },
    'options.strategy must be one of one_for_one, rest_for_one (invalid_strategy)',
  );
});

test('empty or missing children', (t) => {
  rejects(t, { children: [] }, 'options.children must list at least one child');
  rejects(t, {}, 'options.children must list at least one child');
  rejects(t, { children: 'a' }, 'options.children must list at least one child');
});

test('a child that is not an object, a bad name, a missing module', (t) => {
  rejects(t, { children: [child('a'), null] }, 'options.children[1] must be an object');
  rejects(
    t,
    { children: [child('9lives')] },
    'children[0].name must be a string of letters, digits, _ or -, starting with a letter',
  );
  rejects(t, { children: [{ name: 'a' }] }, 'children[0].module must be a non-empty path or file URL');
  rejects(t, { children: [{ name: 'a', module: '' }] }, 'children[0].module must be a non-empty path or file URL');
});

test('backoff maxMs below initialMs', (t) => {
  rejects(
    t,
    { children: [child('a')], backoff: { initialMs: 500, maxMs: 100, resetAfterMs: 1000 } },
    'options.backoff.maxMs must be at least initialMs',
  );
  // A missing maxMs takes its default (10 s), which is then below initialMs.
  rejects(t, { children: [child('a')], backoff: { initialMs: 20_000 } }, 'options.backoff.maxMs must be at least initialMs');
  rejects(
    t,
    { children: [child('a')], backoff: { initialMs: -1, maxMs: 100, resetAfterMs: 1000 } },
    'options.backoff.initialMs must be a non-negative integer',
  );
});

test('heartbeat timeout below interval', (t) => {
  rejects(
    t,
    { children: [child('a')], heartbeat: { intervalMs: 500, timeoutMs: 100 } },
    'options.heartbeat.timeoutMs must be at least intervalMs',
  );
  rejects(
    t,
    { children: [child('a')], heartbeat: { intervalMs: 0, timeoutMs: 100 } },
    'options.heartbeat.intervalMs must be a positive integer',
  );
});

test('intensity fields', (t) => {
  rejects(
    t,
    { children: [child('a')], intensity: { maxRestarts: -1, withinMs: 1000 } },
    'options.intensity.maxRestarts must be a non-negative integer',
  );
  rejects(
    t,
    { children: [child('a')], intensity: { maxRestarts: 3, withinMs: 0 } },
    'options.intensity.withinMs must be a positive integer',
  );
});
