// The real logrotate program rotating test_runs.log under a running `batchboard start`, in `create`,
// `nocreate`, `copytruncate` and `compress` (+ `delaycompress`, and without it) modes: lines are written and the
// log rotated at once, several times, without waiting for the pipeline, which ends exact (the
// simulator's ledger plus the lines written, bad ones counted once) and equal to `verify`.
import test from 'ava';
import { batchboard } from '../cli/helpers.ts';
import { Pipeline, caughtUp, startSim, tempDir, waitForExact } from './helpers.ts';
import { waitFor } from '../wait.ts';
import { logEvents, logrotate, TestLines, type RotateMode } from '../fixtures/logrotate.ts';

const MODES: RotateMode[] = ['create', 'copytruncate', 'create+compress', 'nocreate+compress', 'create+compress-now'];

for (const mode of MODES) {
  test.serial(`logrotate ${mode} while the pipeline runs: exact`, async (t) => {
    const dir = tempDir(t, 'bb-lr-');
    const sim = await startSim(t, dir, { seed: 71 });
    const pipeline = new Pipeline(t, sim, dir);
    const rotator = logrotate(dir, sim.logPath, mode);
    pipeline.start();
    await caughtUp(t, sim, pipeline);

    const lines = new TestLines(sim);
    for (let r = 0; r < 4; r++) {
      lines.write(sim.logPath, 400);
      rotator.rotate();
      lines.write(sim.logPath, 150);
    }
    await waitForExact(t, pipeline, lines.expected());

    // The JSON log reaches stderr apart from the commits: wait for the events. Rotations that come
    // while the pipeline is not looking are seen together, so there can be fewer than four.
    const said = mode.startsWith('copytruncate') ? 'log.truncated' : 'log.rotated';
    await waitFor(() => pipeline.events(said).length >= 1, { what: () => `${said} events in\n${logEvents(pipeline)}`, timeoutMs: 20_000 });
    t.deepEqual(pipeline.events('log.file_lost'), []);
    t.deepEqual(pipeline.events('log.offset_lost'), []);
    // A new PATH may be given an inode gzip freed at an earlier rotation: said so, as what it is.
    t.true(pipeline.events('log.inode_reused').every((e) => e['file'] === 'test_runs.log' && e['while'] === 'running'));
    if (mode.startsWith('copytruncate')) {
      const truncated = pipeline.events('log.truncated');
      t.true(truncated.every((e) => /^test_runs\.log\.\d$/.test(String(e['copy'])) && e['while'] === 'running'), JSON.stringify(truncated));
    } else {
      t.deepEqual(pipeline.events('log.truncated'), [], 'a rename is no truncation');
      t.true(pipeline.events('log.rotated').every((e) => e['from'] === 'test_runs.log' && /^test_runs\.log\.\d(\.gz)?$/.test(String(e['file']))));
    }
    t.deepEqual(pipeline.events('log.compressed_unreadable'), []);
    t.is((await pipeline.stop('SIGTERM')).code, 0);
    const v = await batchboard(['verify', '--api', sim.apiUrl, '--students', sim.studentsPath, '--log', sim.logPath, '--warehouse', pipeline.warehouse]);
    t.is(v.code, 0, `verify: ${v.stdout}${v.stderr}`);
  });
}
