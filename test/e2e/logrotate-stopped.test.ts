// The real logrotate program rotating test_runs.log twice while `batchboard start` is stopped, in
// `create`, `nocreate` (the writer creates its log) and `copytruncate` modes, plain and with
// `compress` (+ `delaycompress`, and without it):
// started again, the pipeline finds the file it was in (renamed, copied, or compressed into a new
// file whose inode may be the one freed) and reads every line once, oldest file first, ending
// exact, equal to `verify`, each event named for what happened. And with `rotate 1`, a file
// deleted before it was read is a warning naming it.
import fs from 'node:fs';
import test from 'ava';
import { batchboard } from '../cli/helpers.ts';
import { Pipeline, caughtUp, startSim, tempDir, waitForExact } from './helpers.ts';
import { waitFor } from '../wait.ts';
import { logEvents, logrotate, TestLines, type RotateMode } from '../fixtures/logrotate.ts';

const MODES: RotateMode[] = ['create', 'copytruncate', 'create+compress', 'nocreate+compress', 'copytruncate+compress', 'create+compress-now'];

for (const mode of MODES) {
  test.serial(`logrotate ${mode} twice while the pipeline is stopped: every line once`, async (t) => {
    const dir = tempDir(t, 'bb-lrs-');
    const sim = await startSim(t, dir, { seed: 72 });
    const pipeline = new Pipeline(t, sim, dir);
    const rotator = logrotate(dir, sim.logPath, mode);
    const lines = new TestLines(sim);
    pipeline.start();
    await caughtUp(t, sim, pipeline);
    lines.write(sim.logPath, 100);
    await waitForExact(t, pipeline, lines.expected());
    t.is((await pipeline.stop('SIGTERM')).code, 0);
    const firstRun = pipeline.stderr.length;
    const storedIno = fs.statSync(sim.logPath).ino;

    // Stopped: 2,001 lines after the stored offset in the file read last, then two rotations.
    lines.write(sim.logPath, 2001);
    rotator.rotate();
    lines.write(sim.logPath, 700);
    rotator.rotate();
    // With nocreate, the writer creates PATH (its next append) after logrotate compressed PATH.2:
    // the file system may give it the inode gzip just freed, that of the file read last (what the
    // issue saw).
    lines.write(sim.logPath, 300);
    const reused = fs.statSync(sim.logPath).ino === storedIno;
    t.log(`the new PATH ${reused ? 'has' : 'does not have'} the inode of the file read last`);
    t.log(fs.readdirSync(sim.dir).filter((f) => f.startsWith('test_runs')).join(' '));

    pipeline.start();
    await waitForExact(t, pipeline, lines.expected());
    await waitFor(() => pipeline.events('log.file').length >= 4, { what: () => `the files read after the restart in\n${logEvents(pipeline)}`, timeoutMs: 20_000 });
    const after = (name: string) => pipeline.stderr.slice(firstRun).split('\n').filter((l) => l.includes(`"event":"${name}"`)).map((l) => JSON.parse(l) as Record<string, unknown>);
    const files = after('log.file').map((e) => e['file']);
    const compressed = mode.includes('+compress');
    // What the file read last held is PATH.2 now (renamed twice, or copied), compressed or not;
    // without delaycompress, PATH.1 is compressed too.
    const oldest = compressed ? 'test_runs.log.2.gz' : 'test_runs.log.2';
    const middle = mode.endsWith('compress-now') ? 'test_runs.log.1.gz' : 'test_runs.log.1';
    t.deepEqual(files, [oldest, middle, 'test_runs.log'], 'oldest first, each once');
    t.deepEqual(after('log.file_lost'), []);
    t.deepEqual(after('log.offset_lost'), []);
    if (compressed) t.like(after('log.compressed')[0], { file: oldest, while: 'stopped' });
    if (mode.startsWith('copytruncate')) {
      t.like(after('log.truncated')[0], { file: 'test_runs.log', while: 'stopped', copy: oldest });
      t.deepEqual(after('log.inode_reused'), [], 'the same PATH cut short, not a new file');
    } else {
      t.deepEqual(after('log.truncated'), [], 'a rename (and an inode given again) is no truncation');
      if (reused) t.like(after('log.inode_reused')[0], { file: 'test_runs.log', ino: storedIno, while: 'stopped' });
    }
    t.is((await pipeline.stop('SIGTERM')).code, 0);
    const v = await batchboard(['verify', '--api', sim.apiUrl, '--students', sim.studentsPath, '--log', sim.logPath, '--warehouse', pipeline.warehouse]);
    t.is(v.code, 0, `verify: ${v.stdout}${v.stderr}`);
  });
}

test.serial('rotate 1 with compress, three rotations while stopped: the file read last is deleted unread, said as log.file_lost with its position', async (t) => {
  const dir = tempDir(t, 'bb-lrs-');
  const sim = await startSim(t, dir, { seed: 73 });
  const pipeline = new Pipeline(t, sim, dir);
  const rotator = logrotate(dir, sim.logPath, 'create+compress-now', 1);
  const lines = new TestLines(sim);
  pipeline.start();
  await caughtUp(t, sim, pipeline);
  t.is((await pipeline.stop('SIGTERM')).code, 0);
  const stored = fs.statSync(sim.logPath).size;
  const firstRun = pipeline.stderr.length;

  // Lines after the stored offset that no one reads: their file is gone at the third rotation.
  lines.forget(lines.write(sim.logPath, 500));
  rotator.rotate();
  lines.forget(lines.write(sim.logPath, 200)); // PATH.1.gz after the second rotation, deleted at the third
  rotator.rotate();
  lines.write(sim.logPath, 300);
  rotator.rotate();
  lines.write(sim.logPath, 100);
  t.log(fs.readdirSync(sim.dir).filter((f) => f.startsWith('test_runs')).join(' '));

  pipeline.start();
  // The history read before the stop stays counted: it is in the warehouse, no longer in the log.
  await waitForExact(t, pipeline, lines.expected());
  await waitFor(() => pipeline.events('log.file_lost').length >= 1, { what: () => `log.file_lost in\n${logEvents(pipeline)}`, timeoutMs: 20_000 });
  const lost = pipeline.events('log.file_lost');
  t.is(lost.length, 1);
  t.like(lost[0], { level: 'warn', pos: stored, while: 'stopped' });
  t.regex(String(lost[0]!['file']), /test_runs\.log/);
  t.true(pipeline.stderr.slice(firstRun).includes('"event":"log.truncated"') === false, 'no truncation is said');
  t.is((await pipeline.stop('SIGTERM')).code, 0);
});
