// The warehouse's disk fills up (a small tmpfs, mounted for the test): the Aggregator's crashes,
// `status` and the final line say "the disk holding <warehouse> is full" (before the fix:
// "Error: [object Object]"); a start on the full disk is one line, exit 2; once space is freed a
// restart ends exact. Needs root and mount(8); elsewhere the test says so and is skipped.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { batchboard } from '../cli/helpers.ts';
import { Pipeline, caughtUp, startSim, tempDir } from './helpers.ts';
import { waitFor } from '../wait.ts';
import type { ActorStatus } from '../../src/runtime/index.ts';

function canMountTmpfs(): boolean {
  if (process.getuid?.() !== 0) return false;
  const dir = fs.mkdtempSync('/tmp/bb-mount-probe-');
  try {
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]).status !== 0) return false;
    spawnSync('umount', [dir]);
    return true;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const mountable = canMountTmpfs();
if (!mountable) console.log('full-disk: skipped, mounting a tmpfs needs root and mount(8)');

/** Writes a file until the disk has no room left. */
function fill(file: string): void {
  const chunk = Buffer.alloc(64 * 1024, 1);
  const fd = fs.openSync(file, 'w');
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    fs.closeSync(fd);
  }
  // Whatever the last chunk left: a byte at a time.
  const small = fs.openSync(`${file}.tail`, 'w');
  try {
    for (;;) fs.writeSync(small, Buffer.alloc(512, 1));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    fs.closeSync(small);
  }
}

(mountable ? test : test.skip)('a full disk is named in the crash events and status; a start on it is refused; freed, the pipeline ends exact', async (t) => {
  const dir = tempDir(t);
  const disk = path.join(dir, 'disk');
  fs.mkdirSync(disk);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', disk]);
  t.teardown(() => void spawnSync('umount', ['-l', disk]));
  const sim = await startSim(t, dir, { seed: 99, live: { batchesPerSec: 2, studentsPerSec: 200, testRunsPerSec: 20_000 } });
  const pipeline = new Pipeline(t, sim, disk);
  pipeline.start();
  await waitFor(() => pipeline.events('actor.start').length >= 4, { what: 'the pipeline running', timeoutMs: 30_000 });
  const filler = path.join(disk, 'filler');
  fill(filler);

  // Crash after crash (with backoff: the disk may be freed), the Aggregator says why, and so does status.
  const full = `the disk holding ${pipeline.warehouse} is full`;
  const statusError = await waitFor(
    async () => {
      const r = await batchboard(['status', '--warehouse', pipeline.warehouse, '--json']);
      if (r.code !== 0) return null;
      const agg = (JSON.parse(r.stdout) as ActorStatus[]).find((a) => a.name === 'Aggregator');
      return agg?.lastError?.includes(full) ? agg.lastError : null;
    },
    { what: () => `status to name the full disk; log: ${pipeline.stderr.slice(-1500)}`, timeoutMs: 60_000, intervalMs: 50 },
  );
  t.regex(statusError, /^WarehouseError \[SQLITE_FULL\]: the disk holding /);
  const crashes = pipeline.events('actor.crash').filter((e) => e['actor'] === 'Aggregator');
  t.true(crashes.length > 0, 'the Aggregator crashed');
  for (const c of crashes) t.true(String(c['reason']).includes(full), `the crash event names the full disk: ${String(c['reason'])}`);
  t.false(pipeline.stderr.includes('[object Object]'));
  await pipeline.stop('SIGTERM');

  // Still full: a start is refused in one line, exit 2.
  const refused = await batchboard(pipeline.args);
  t.is(refused.code, 2, refused.stderr);
  t.is(refused.stderr.trimEnd().split('\n').length, 1, refused.stderr);
  t.true(refused.stderr.includes(full), refused.stderr);

  // Room again: a restart ends exact.
  fs.rmSync(filler);
  fs.rmSync(`${filler}.tail`);
  pipeline.start();
  await caughtUp(t, sim, pipeline, {}, 90_000);
  t.is((await pipeline.stop('SIGTERM')).code, 0);
});
