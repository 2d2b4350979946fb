// Regression: args that cannot be structured-cloned passed the spec checks and failed only when
// a thread was created for them, with a DataCloneError from inside start() (or a later restart),
// while the actors before them were already running. Now they are a SpecError at construction.
import test from 'ava';
import { SpecError, Supervisor, silentLogger, type ChildSpec } from '../../src/runtime/index.ts';
import { fixture } from './helpers.ts';

const module = fixture('tripwire');

const cases: Array<[string, unknown]> = [
  ['a function', { f: () => 1 }],
  ['a nested symbol', { deep: [{ s: Symbol('x') }] }],
  ['a WeakMap', new WeakMap()],
];

for (const [what, args] of cases) {
  test(`args holding ${what} are a SpecError at construction`, (t) => {
    const err = t.throws(() => new Supervisor({ children: [{ name: 'T', module, args }] }, silentLogger), {
      instanceOf: SpecError,
    });
    t.is(err?.name, 'SpecError');
    t.true(
      err?.message.startsWith('children[0].args must be structured-cloneable (plain data): '),
      `message: ${err?.message}`,
    );
  });
}

test('the index names the child whose args are at fault; plain data passes', (t) => {
  const children: ChildSpec[] = [
    { name: 'A', module, args: { n: 1, list: [1, 'two', null], when: new Date(0), bytes: new Uint8Array(4), m: new Map([[1, 2]]) } },
    { name: 'B', module, args: { onTick: () => 1 } },
  ];
  const err = t.throws(() => new Supervisor({ children }, silentLogger), { instanceOf: SpecError });
  t.regex(err?.message ?? '', /^children\[1\]\.args must be structured-cloneable \(plain data\): .*could not be cloned/);
  t.notThrows(() => new Supervisor({ children: [children[0]!] }, silentLogger));
});
