// The LogFollower over compressed rotated files (CONTRACTS §3): logrotate's steps done by hand with
// the real gzip. A follower stopped across rotations finds the file it was in once that file is
// PATH.N.gz (a new file: gzip writes one) by its first bytes, reads on from the same position of
// its decompressed content, then the newer files: every line once. Each event names what happened.
import { copyFileSync, mkdtempSync, renameSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { waitFor } from '../wait.ts';
import { append, follow, gzip, lineMs, lines, range, sorted } from '../fixtures/log-files.ts';

function setup(t: import('ava').ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'bb-gz-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'test_runs.log');
}

/** Follows from `offset` until `n` runs were read, then stops. */
async function readUntil(t: import('ava').ExecutionContext, P: string, offset: Parameters<typeof follow>[2], n: number, what: string) {
  const f = follow(t, P, offset);
  await waitFor(() => f.out.runs >= n, { what: () => `${what}: ${n} runs, got ${f.out.runs}; events ${JSON.stringify(f.out.events)}`, timeoutMs: 20_000 });
  // Anything more (a line read twice) would come at once: give it a few polls.
  await new Promise((r) => setTimeout(r, 150));
  return { ...f, out: await f.stop() };
}

/** A follower run over lines 0..n of a fresh PATH, stopped: its stored offset is at the end of line n-1. */
async function storedAfter(t: import('ava').ExecutionContext, P: string, n: number) {
  writeFileSync(P, lines(0, n));
  const first = await readUntil(t, P, null, n, 'the first lines');
  t.deepEqual(sorted(first.out.students), range(0, n));
  t.deepEqual(first.out.times, first.out.students.map(lineMs), 'each with its line\'s created_at');
  return first.out.offset!;
}

test('stopped across two rotations with compress + delaycompress, the new PATH on the freed inode: every line once', async (t) => {
  const P = setup(t);
  const stored = await storedAfter(t, P, 100);
  const storedIno = statSync(P).ino;
  // Stopped. Lines after the offset in the file read last, then logrotate twice (create, compress,
  // delaycompress): PATH -> PATH.1; then PATH.1 -> PATH.2, PATH -> PATH.1, PATH.2 compressed (its
  // inode freed), and the new PATH created after, where the freed inode is given again.
  append(P, 100, 2101);
  renameSync(P, `${P}.1`);
  writeFileSync(P, '');
  append(P, 2101, 2200);
  renameSync(`${P}.1`, `${P}.2`);
  renameSync(P, `${P}.1`);
  gzip(`${P}.2`);
  writeFileSync(P, '');
  append(P, 2200, 2300);
  t.log(`stored inode ${storedIno}, PATH's inode now ${statSync(P).ino}`);

  const second = await readUntil(t, P, stored, 2200, 'the lines written while stopped');
  t.deepEqual(sorted(second.out.students), range(100, 2300), 'every line after the offset, once');
  t.deepEqual(second.out.times, second.out.students.map(lineMs), 'each with its line\'s created_at, also from the .gz');
  t.is(second.out.runs, 2200);
  t.deepEqual(second.events('log.truncated'), [], 'no truncation is said');
  const [compressed] = second.events('log.compressed');
  t.like(compressed, { file: 'test_runs.log.2.gz', pos: stored.pos, while: 'stopped' });
  if (statSync(P).ino === storedIno) {
    t.like(second.events('log.inode_reused')[0], { file: 'test_runs.log', ino: storedIno, while: 'stopped' });
  }
  t.deepEqual(second.events('log.file').map((e) => `${e['file']}@${e['pos']}`), [`test_runs.log.2.gz@${stored.pos}`, 'test_runs.log.1@0', 'test_runs.log@0']);
  t.deepEqual(second.out.lost, []);
  t.deepEqual(second.events('log.file_lost'), []);
});

test('compress without delaycompress, stopped: the stored file is PATH.1.gz; the offset is found in it and then PATH read', async (t) => {
  const P = setup(t);
  const stored = await storedAfter(t, P, 50);
  append(P, 50, 3000);
  renameSync(P, `${P}.1`);
  gzip(`${P}.1`);
  writeFileSync(P, lines(3000, 3010));
  const second = await readUntil(t, P, stored, 2960, 'the lines after the offset');
  t.deepEqual(sorted(second.out.students), range(50, 3010));
  t.is(second.out.runs, 2960);
  t.like(second.events('log.compressed')[0], { file: 'test_runs.log.1.gz', pos: stored.pos });
});

test('an offset inside a compressed file (stopped while reading it) resumes there; offsets in it carry its decompressed position', async (t) => {
  const P = setup(t);
  writeFileSync(`${P}.2`, lines(0, 5000));
  gzip(`${P}.2`);
  writeFileSync(`${P}.1`, lines(5000, 5100));
  writeFileSync(P, lines(5100, 5110));
  // Small batches: offsets are stored every few KB inside the .gz.
  const first = follow(t, P, null, { maxBatchBytes: 4096 });
  await waitFor(() => first.out.runs >= 5110, { what: 'every line', timeoutMs: 20_000 });
  const out = await first.stop();
  t.deepEqual(sorted(out.students), range(0, 5110));
  const gzIno = statSync(`${P}.2.gz`).ino;
  const inside = out.offsets.filter((o) => o.ino === gzIno);
  t.true(inside.length > 50, `offsets inside the .gz: ${inside.length}`);
  const mid = inside[Math.floor(inside.length / 2)]!;
  const plain = Buffer.from(lines(0, 5000));
  t.is(plain[mid.pos - 1], 0x0a, 'a position in the decompressed content, after a whole line');
  t.is(Buffer.from(mid.head, 'base64').toString(), plain.subarray(0, 64).toString(), 'the head of the decompressed content');
  const before = plain.subarray(0, mid.pos).toString().split('\n').length - 1;

  const second = await readUntil(t, P, mid, 5110 - before, 'the rest from the middle of the .gz');
  t.deepEqual(sorted(second.out.students), range(before, 5110));
  t.like(second.events('log.file')[0], { file: 'test_runs.log.2.gz', pos: mid.pos, compressed: true });
});

test('a follower running through rotations with compress (no delaycompress) reads every line once', async (t) => {
  const P = setup(t);
  writeFileSync(P, lines(0, 10));
  const f = follow(t, P, null);
  let next = 10;
  for (let r = 1; r <= 4; r++) {
    append(P, next, next + 500);
    next += 500;
    await waitFor(() => f.out.runs >= next, { what: `the lines before rotation ${r}` });
    // logrotate: shift the .gz files up, PATH -> PATH.1, a new PATH, PATH.1 compressed.
    for (let k = r - 1; k >= 1; k--) renameSync(`${P}.${k}.gz`, `${P}.${k + 1}.gz`);
    renameSync(P, `${P}.1`);
    writeFileSync(P, '');
    gzip(`${P}.1`);
    append(P, next, next + 100);
    next += 100;
  }
  await waitFor(() => f.out.runs >= next, { what: () => `every line, got ${f.out.runs} of ${next}` });
  await new Promise((r) => setTimeout(r, 200));
  const out = await f.stop();
  t.deepEqual(sorted(out.students), range(0, next), 'every line once');
  t.is(out.runs, next);
  t.is(f.events('log.rotated').length, 4);
  t.deepEqual(f.events('log.rotated').map((e) => e['from']), ['test_runs.log', 'test_runs.log', 'test_runs.log', 'test_runs.log']);
  t.deepEqual(f.events('log.truncated'), []);
  t.deepEqual(f.events('log.file').filter((e) => e['compressed']), [], 'no compressed file read: each was read before, through its open handle');
});

test('copytruncate while the follower is behind: the rest is read from the copy, then PATH from 0; nothing said lost', async (t) => {
  const P = setup(t);
  writeFileSync(P, lines(0, 3000));
  let open!: () => void;
  let gate: Promise<void> = new Promise<void>((r) => (open = r));
  let batches = 0;
  const f = follow(t, P, null, {
    maxBatchBytes: 4096,
    gate: async () => {
      if (++batches === 2) await gate;
    },
  });
  await waitFor(() => batches >= 2, { what: 'the follower to be held mid-file' });
  // logrotate copytruncate: copy PATH to PATH.1, cut PATH to 0; then new lines in PATH.
  copyFileSync(P, `${P}.1`);
  truncateSync(P, 0);
  append(P, 3000, 3050);
  open();
  gate = Promise.resolve();
  await waitFor(() => f.out.runs >= 3050, { what: () => `every line, got ${f.out.runs}`, timeoutMs: 20_000 });
  await new Promise((r) => setTimeout(r, 200));
  const out = await f.stop();
  t.deepEqual(sorted(out.students), range(0, 3050));
  t.is(out.runs, 3050);
  t.like(f.events('log.truncated')[0], { file: 'test_runs.log', while: 'running', copy: 'test_runs.log.1' });
  t.deepEqual(out.lost, [], 'the lines read are still in the log (the copy)');
});

test('a truncation with no copy: the lines read before are reported lost, with the position reached', async (t) => {
  const P = setup(t);
  writeFileSync(P, lines(0, 20));
  const f = follow(t, P, null);
  await waitFor(() => f.out.runs >= 20, { what: 'the first lines' });
  const pos = f.out.offset!.pos;
  truncateSync(P, 0);
  append(P, 20, 25);
  await waitFor(() => f.out.runs >= 25, { what: 'the lines after the truncation' });
  await f.stop();
  t.deepEqual(f.out.lost, [{ file: 'test_runs.log', pos, reason: 'truncated' }]);
  t.like(f.events('log.truncated')[0], { file: 'test_runs.log', pos, while: 'running' });
});

test('stopped, the file read last rotated, compressed and deleted (rotate 1): log.file_lost with the position reached, the rest read', async (t) => {
  const P = setup(t);
  const stored = await storedAfter(t, P, 30);
  append(P, 30, 60); // never read: deleted below
  // logrotate rotate 1, compress, three times.
  for (let r = 0; r < 3; r++) {
    rmSync(`${P}.1.gz`, { force: true });
    renameSync(P, `${P}.1`);
    writeFileSync(P, '');
    gzip(`${P}.1`);
    append(P, 1000 * (r + 1), 1000 * (r + 1) + 10);
  }
  const second = await readUntil(t, P, stored, 20, 'the files present');
  t.deepEqual(sorted(second.out.students), [...range(2000, 2010), ...range(3000, 3010)]);
  const [lost] = second.events('log.file_lost');
  t.like(lost, { level: 'warn', pos: stored.pos, while: 'stopped' });
  t.regex(String(lost!['file']), /test_runs\.log/);
  t.regex(String(lost!['first_bytes']), /tr-000000000/, 'the file named by its first line');
  t.deepEqual(second.out.lost.map((l) => [l.pos, l.reason]), [[stored.pos, 'deleted']]);
  t.deepEqual(second.events('log.truncated'), []);
});

test('running: a rotated file read whole and then deleted is said (log.deleted) and reported lost; an unread one is log.file_lost', async (t) => {
  const P = setup(t);
  writeFileSync(P, lines(0, 10));
  const f = follow(t, P, null);
  await waitFor(() => f.out.runs >= 10, { what: 'the first lines' });
  const pos = f.out.offset!.pos;
  // rotate 1: PATH -> PATH.1 (read to its end), then PATH.1 deleted at the next rotation.
  renameSync(P, `${P}.1`);
  writeFileSync(P, lines(10, 20));
  await waitFor(() => f.out.runs >= 20, { what: 'the new PATH' });
  const firstIno = statSync(`${P}.1`).ino;
  rmSync(`${P}.1`);
  renameSync(P, `${P}.1`);
  writeFileSync(P, lines(20, 30));
  await waitFor(() => f.out.runs >= 30, { what: 'the newest PATH' });
  await new Promise((r) => setTimeout(r, 100));
  await f.stop();
  t.deepEqual(sorted(f.out.students), range(0, 30));
  t.like(f.events('log.deleted')[0], { file: 'test_runs.log.1', pos });
  t.deepEqual(f.out.lost, [{ file: 'test_runs.log.1', pos, reason: 'deleted' }]);
  if (statSync(P).ino === firstIno) t.like(f.events('log.inode_reused')[0], { file: 'test_runs.log', ino: firstIno, while: 'running' });
  t.deepEqual(f.events('log.truncated'), []);

  // Held while reading PATH.1, the newer PATH is rotated away and deleted before it is opened.
  const Q = setup(t);
  writeFileSync(`${Q}.1`, lines(0, 2000));
  writeFileSync(Q, lines(5000, 5010));
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  let batches = 0;
  const g = follow(t, Q, null, { maxBatchBytes: 4096, gate: () => (++batches === 1 ? gate : Promise.resolve()) });
  await waitFor(() => batches >= 1, { what: 'the follower held in PATH.1' });
  rmSync(`${Q}.1`); // still read through its handle
  renameSync(Q, `${Q}.1`);
  writeFileSync(Q, '');
  rmSync(`${Q}.1`); // the unread one
  renameSync(Q, `${Q}.1`);
  writeFileSync(Q, lines(6000, 6010));
  open();
  await waitFor(() => g.out.runs >= 2010, { what: () => `PATH.1 and the newest PATH, got ${g.out.runs}` });
  await g.stop();
  t.deepEqual(sorted(g.out.students), [...range(0, 2000), ...range(6000, 6010)]);
  t.like(g.events('log.file_lost')[0], { level: 'warn', file: 'test_runs.log', pos: 0, while: 'running' });
  t.true(g.out.lost.some((l) => l.file === 'test_runs.log' && l.pos === 0 && l.reason === 'deleted'));
});

test('a compressed file that does not decompress is said once and skipped; newer files are still read', async (t) => {
  const P = setup(t);
  writeFileSync(`${P}.2`, lines(0, 3000));
  gzip(`${P}.2`);
  // Cut the .gz short: its last part and its trailer are gone.
  const size = statSync(`${P}.2.gz`).size;
  truncateSync(`${P}.2.gz`, Math.floor(size / 2));
  writeFileSync(`${P}.1`, lines(3000, 3010));
  writeFileSync(P, lines(3010, 3020));
  const f = follow(t, P, null);
  await waitFor(() => f.out.students.includes(3019), { what: 'the newest lines' });
  await f.stop();
  t.true(f.out.students.includes(0), 'what decompresses is read');
  t.like(f.events('log.compressed_unreadable')[0], { level: 'warn', file: 'test_runs.log.2.gz' });
  t.is(f.events('log.compressed_unreadable').length, 1);
});

test('copytruncate + compress + delaycompress, stopped across two rotations: the same PATH cut short, its lines read on in PATH.2.gz', async (t) => {
  const P = setup(t);
  const stored = await storedAfter(t, P, 40);
  const ino = statSync(P).ino;
  append(P, 40, 1000);
  // Rotation 1: PATH copied to PATH.1, then cut to 0.
  copyFileSync(P, `${P}.1`);
  truncateSync(P, 0);
  append(P, 1000, 1100);
  // Rotation 2: PATH.1 -> PATH.2, PATH copied to PATH.1 and cut, PATH.2 compressed.
  renameSync(`${P}.1`, `${P}.2`);
  copyFileSync(P, `${P}.1`);
  truncateSync(P, 0);
  gzip(`${P}.2`);
  append(P, 1100, 1150);
  t.is(statSync(P).ino, ino, 'PATH is the same file all along');

  const second = await readUntil(t, P, stored, 1110, 'the lines written while stopped');
  t.deepEqual(sorted(second.out.students), range(40, 1150));
  t.is(second.out.runs, 1110);
  t.like(second.events('log.truncated')[0], { file: 'test_runs.log', pos: stored.pos, while: 'stopped', copy: 'test_runs.log.2.gz' });
  t.deepEqual(second.events('log.inode_reused'), [], 'the same file, not a new one on its inode');
  t.deepEqual(second.out.lost, []);
});
