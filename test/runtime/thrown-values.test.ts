// Whatever an actor throws (an Error, better-sqlite3's SqliteError, a plain object, a string, a
// number), its crash event and the supervisor's last line say what it was: its name, its code and
// its message, never "[object Object]". Before the fix a SqliteError thrown from a timer reached
// the supervisor as a structured clone, {code: "SQLITE_FULL"}, and was printed as [object Object].
import test from 'ava';
import { FAST, fixture, runScript } from './helpers.ts';

const CASES: [string, string][] = [
  ['sqlite-full', 'SqliteError [SQLITE_FULL]: database or disk is full'],
  ['error', 'Error: plain error'],
  ['object', 'Error [E_PLAIN]: an object with a message'],
  ['code-only', 'Error [E_ONLY]: no message given'],
  ['string', 'Error: a thrown string'],
  ['number', 'Error: a thrown number: 42'],
];

for (const [kind, said] of CASES) {
  test(`a thrown ${kind}: the crash event and the last line say "${said}"`, async (t) => {
    const opts = { ...FAST, intensity: { maxRestarts: 0, withinMs: 10_000 }, children: [{ name: 'thrower', module: fixture('thrower'), args: { kind } }] };
    const run = runScript(t, 'supervise', [JSON.stringify(opts)]);
    const { code } = await run.exited;
    t.is(code, 1, run.stderrLines.join('\n'));
    const crashes = run.logs().filter((l) => l.event === 'actor.crash');
    t.deepEqual(crashes.map((c) => c.reason), [said]);
    t.deepEqual(run.plainLines(), [`batchboard: actor 'thrower' crashed more than 0 times within 10 s; the supervisor stopped everything. Last error: ${said}`]);
  });
}
