// Two ways a log can change that once lost lines (found in review, reproduced here first):
//  - a line the writer had half written when the file was renamed, and ends afterwards through the
//    handle it holds: it is read whole from the rotated file, not rejected as incomplete;
//  - while batchboard was stopped, the file of the stored offset was rotated away and deleted, and
//    the new log was given its freed inode: the files in between are still read.
import { appendFileSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { Waker } from '../../src/runtime/index.ts';
import { LogFollower } from '../../src/sources/log/follower.ts';
import { readWholeLog } from '../../src/sources/log/whole.ts';
import type { LogOffset } from '../../src/domain/offsets.ts';
import { waitFor } from '../wait.ts';

const CREATED_AT = '2024-03-02T10:00:00.000Z';
const line = (i: number) => JSON.stringify({ id: `tr-${i}`, student_id: i, lesson_id: 1, passing_count: 1, failure_count: 0, created_at: CREATED_AT }) + '\n';

function setup(t: import('ava').ExecutionContext) {
  const dir = mkdtempSync(join(tmpdir(), 'bb-follow-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'test_runs.log');
}

/** A follower from `offset`; `got` collects students of completions, `rejected` the reasons. */
function follow(log: string, offset: LogOffset | null) {
  const ac = new AbortController();
  const waker = new Waker(ac.signal);
  const out = { got: [] as number[], mistimed: [] as number[], rejected: [] as string[], offset: null as LogOffset | null, events: [] as string[] };
  const f = new LogFollower({ log, pollMs: 20, maxBatchBytes: 1 << 20, signal: ac.signal }, offset, {
    batch: async (b) => {
      for (let i = 0; i < b.completions.length; i += 3) {
        out.got.push(b.completions[i]!);
        if (b.completions[i + 2] !== Date.parse(CREATED_AT)) out.mistimed.push(b.completions[i]!);
      }
      out.rejected.push(...b.rejected.map((r) => r.reason));
      out.offset = b.offset;
    },
    log: (event) => void out.events.push(event),
    progress: () => {},
    sleep: (ms) => waker.sleep(ms),
    wake: () => waker.wake(),
  });
  const done = f.run();
  return { out, stop: async () => (ac.abort(), await done) };
}

test('a line half written at the rename and ended afterwards in the renamed file is read whole', async (t) => {
  const P = setup(t);
  const l2 = line(2);
  writeFileSync(P, line(1) + l2.slice(0, 40));
  const f = follow(P, null);
  t.teardown(f.stop);
  await waitFor(() => f.out.got.includes(1), { what: 'line 1' });
  renameSync(P, `${P}.1`);
  writeFileSync(P, '');
  appendFileSync(P, line(3));
  // The writer ends its line through the handle it held on the renamed file.
  appendFileSync(`${P}.1`, l2.slice(40));
  await waitFor(() => f.out.got.includes(3), { what: 'line 3 of the new file' });
  await f.stop();
  t.deepEqual(f.out.got.sort(), [1, 2, 3]);
  t.deepEqual(f.out.mistimed, [], 'each with its created_at');
  t.deepEqual(f.out.rejected, []);
  const whole = await readWholeLog(P);
  t.deepEqual([...whole.completions], [1, 1, Date.parse(CREATED_AT), 2, 1, Date.parse(CREATED_AT), 3, 1, Date.parse(CREATED_AT)], 'rebuild reads the same');
});

test('a renamed file whose last line never ends is rejected once after the grace period, and the new file is read', async (t) => {
  const P = setup(t);
  writeFileSync(P, line(1) + line(2).slice(0, 40));
  const f = follow(P, null);
  t.teardown(f.stop);
  await waitFor(() => f.out.got.includes(1), { what: 'line 1' });
  renameSync(P, `${P}.1`);
  writeFileSync(P, line(3));
  await waitFor(() => f.out.got.includes(3), { what: 'line 3, after the grace period', timeoutMs: 10_000 });
  await f.stop();
  t.deepEqual(f.out.rejected, ['incomplete last line (no \\n) in a rotated file']);
});

test('the stored file rotated away and deleted while stopped, its inode reused by the new log: nothing is skipped', async (t) => {
  const P = setup(t);
  writeFileSync(P, line(1) + line(2));
  const first = follow(P, null);
  await waitFor(() => first.out.got.length === 2, { what: 'lines 1 and 2' });
  await first.stop();
  const stored = first.out.offset!;
  // Stopped: a rotation, lines 3-4, then a rotation that deletes the oldest file first.
  renameSync(P, `${P}.1`);
  writeFileSync(P, line(3) + line(4));
  rmSync(`${P}.1`);
  renameSync(P, `${P}.1`);
  writeFileSync(P, line(5) + line(6));
  t.log(`stored inode ${stored.ino}, new log inode ${statSync(P).ino}`);
  const second = follow(P, stored);
  t.teardown(second.stop);
  await waitFor(() => [3, 4, 5, 6].every((s) => second.out.got.includes(s)), { what: () => `lines 3 to 6, got ${second.out.got}` });
  await second.stop();
  t.true([3, 4, 5, 6].every((s) => second.out.got.includes(s)));
});
