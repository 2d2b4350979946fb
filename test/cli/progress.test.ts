// The progress of reading the history (rebuild, a cold start): a bar on a terminal, plain lines
// every 2 s otherwise, nothing at all for a read shorter than that.
import test from 'ava';
import { createRequire } from 'node:module';
import { PassThrough } from 'node:stream';
import { historyProgress } from '../../src/cli/progress.ts';

const loaded = (): boolean => Object.keys(createRequire(import.meta.url).cache).some((f) => f.includes('cli-progress'));

function capture(tty: boolean): { out: PassThrough & { isTTY?: boolean; columns?: number }; text: () => string } {
  const out = Object.assign(new PassThrough(), tty ? { isTTY: true, columns: 160 } : {});
  let text = '';
  out.on('data', (b: Buffer) => (text += b.toString('utf8')));
  return { out, text: () => text };
}

// Serial, so that it runs before the terminal's test below loads it.
test.serial('not a terminal: cli-progress is not even loaded', (t) => {
  const c = capture(false);
  const p = historyProgress('rebuild', c.out, () => 0);
  p.update({ bytes: 1, total: 2, runs: 1 });
  p.stop();
  t.false(loaded());
  historyProgress('rebuild', capture(true).out, () => 0).stop();
  t.true(loaded(), 'and a terminal loads it');
});

test('not a terminal: a plain line every 2 s and one at the end, with what was read, runs/s and the time left', (t) => {
  const c = capture(false);
  let clock = 0;
  const p = historyProgress('rebuild', c.out, () => clock);
  clock = 500;
  p.update({ bytes: 10e6, total: 100e6, runs: 50_000 });
  t.is(c.text(), '', 'nothing within the first 2 s');
  clock = 2_500;
  p.update({ bytes: 40e6, total: 100e6, runs: 200_000 });
  t.is(c.text(), 'rebuild: history 40.0 MB of 100 MB read (40%), 80,000 runs/s, 4 s left\n');
  clock = 3_000;
  p.update({ bytes: 50e6, total: 100e6, runs: 250_000 });
  t.is(c.text().split('\n').length, 2, 'not again within 2 s');
  clock = 5_000;
  p.update({ bytes: 100e6, total: 100e6, runs: 500_000 });
  p.stop();
  t.regex(c.text().split('\n')[1]!, /^rebuild: history 100 MB of 100 MB read \(100%\), 100,000 runs\/s, 0 s left$/);
});

test('not a terminal: a read over within 2 s prints nothing (a small rebuild says only its result)', (t) => {
  const c = capture(false);
  let clock = 0;
  const p = historyProgress('start', c.out, () => clock);
  clock = 900;
  p.update({ bytes: 5e6, total: 10e6, runs: 1 });
  clock = 1_900;
  p.update({ bytes: 10e6, total: 10e6, runs: 2 });
  p.stop();
  t.is(c.text(), '');
});

test('a terminal: a bar with the bytes read of the total, runs/s and the time left', (t) => {
  const c = capture(true);
  let clock = 0;
  const p = historyProgress('rebuild', c.out, () => clock);
  clock = 1_000;
  p.update({ bytes: 25e6, total: 100e6, runs: 100_000 });
  clock = 4_000;
  p.update({ bytes: 100e6, total: 100e6, runs: 400_000 });
  p.stop();
  const text = c.text();
  t.regex(text, /rebuild: history \[[█░]+\] 25% \| 25\.0 MB of 100 MB \| 100,000 runs\/s \| 3 s left/);
  t.regex(text, /rebuild: history \[█+\] 100% \| 100 MB of 100 MB \| 100,000 runs\/s \| 0 s left/);
});
