// A rebuild into an empty SQLite warehouse writes with a rollback journal (each page once, straight
// into the file) and leaves the warehouse in WAL mode again; with another connection open it keeps
// to the WAL; killed -9 in the middle of it, the file opens empty at the next start, nothing half
// written.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import Database from 'better-sqlite3';
import { Warehouse } from '../../src/storage/warehouse.ts';
import { computeWarehouse } from '../../src/domain/aggregate.ts';
import type { Batch, Student } from '../../src/domain/records.ts';
import { storedCompletions } from './stored-completions.ts';
import { BASE_MS } from '../triples.ts';

const OPTS = { minLessons: 3, sources: 'bulk-test' };
const OFFSETS = { batches: null, students: { hwm: 0 }, test_runs: null };

function dir(t: import('ava').ExecutionContext): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'bb-bulk-'));
  t.teardown(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

/** `n` students over 10 batches in random batch order, each with lessons 1..(id % 7), one minute apart. */
function snapshot(n: number) {
  const batches: Batch[] = Array.from({ length: 10 }, (_, i) => ({ id: i + 1, name: `b${i + 1}`, start_date: null, created_at: '2024-01-01T00:00:00.000Z' }));
  const students: Student[] = Array.from({ length: n }, (_, i) => ({ id: i + 1, name: `s${i + 1}`, email: `s${i + 1}@example.com`, batch_id: ((i * 7919) % 10) + 1, created_at: '2024-01-02T00:00:00.000Z' }));
  const triples: number[] = [];
  for (let id = 1; id <= n; id++) for (let l = 1; l <= id % 7; l++) triples.push(id, l, BASE_MS + (id + l) * 60_000);
  return computeWarehouse({ batches, students, completions: triples, minLessons: 3 });
}

function contents(file: string) {
  const db = new Database(file, { readonly: true });
  try {
    return {
      mode: db.pragma('journal_mode', { simple: true }),
      batches: db.prepare('SELECT id, student_count, qualified_students FROM batches ORDER BY id').all(),
      students: db.prepare('SELECT count(*) n, sum(completed) c, count(qualified_at) q FROM students').get(),
      lessons: [...storedCompletions(db).values()].reduce((s, l) => s + l.length, 0),
      indexes: db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name IN ('students_batch_id', 'batches_leaderboard') ORDER BY name").pluck().all(),
    };
  } finally {
    db.close();
  }
}

test('into an empty warehouse: written, back in WAL mode, no journal left, its indexes made again', (t) => {
  const file = path.join(dir(t), 'w.db');
  const snap = snapshot(5_000);
  const w = Warehouse.open(file, OPTS);
  const counts = w.replaceAll(snap, OFFSETS, []);
  t.is(counts.students, 5_000);
  t.false(fs.existsSync(`${file}-journal`));
  const c = contents(file);
  t.is(c.mode, 'wal', 'the warehouse is in WAL mode again for the readers and the pipeline');
  t.deepEqual(c.batches, snap.batches.map((b) => ({ id: b.id, student_count: b.student_count, qualified_students: b.qualified_students })));
  t.deepEqual(c.students, { n: 5_000, c: snap.students.reduce((s, x) => s + x.completed, 0), q: snap.students.filter((x) => x.qualified_at !== null).length });
  t.is(c.lessons, snap.completions.size);
  t.deepEqual(c.indexes, ['batches_leaderboard', 'students_batch_id']);
  // A second rebuild over what is stored now takes the WAL path: the same answer.
  w.replaceAll(snap, OFFSETS, []);
  t.deepEqual(contents(file), c);
  return w.close();
});

test('with a reader holding the warehouse open, the rebuild keeps to the WAL and the reader sees it', (t) => {
  const file = path.join(dir(t), 'w.db');
  const w = Warehouse.open(file, OPTS);
  const reader = new Database(file, { readonly: true });
  t.teardown(() => reader.close());
  t.is(reader.prepare('SELECT count(*) FROM students').pluck().get(), 0);
  w.replaceAll(snapshot(2_000), OFFSETS, []);
  t.is(reader.pragma('journal_mode', { simple: true }), 'wal');
  t.is(reader.prepare('SELECT count(*) FROM students').pluck().get(), 2_000);
  return w.close();
});

test('killed -9 in the middle of a rebuild into an empty warehouse: opens empty, and a rebuild then completes', async (t) => {
  const file = path.join(dir(t), 'w.db');
  // The child dies inside replaceAll, after its students are written (more than the page cache
  // holds, 16 MB: pages reached the file) and before the commit: columns() is asked for then.
  const script = `
    import { Warehouse } from ${JSON.stringify(new URL('../../src/storage/warehouse.ts', import.meta.url).href)};
    import { computeWarehouse } from ${JSON.stringify(new URL('../../src/domain/aggregate.ts', import.meta.url).href)};
    const students = Array.from({ length: 150000 }, (_, i) => ({ id: i + 1, name: 'student ' + 'x'.repeat(250), email: null, batch_id: 1, created_at: '2024-01-02T00:00:00.000Z' }));
    const snap = computeWarehouse({ batches: [], students, completions: [1, 1, 0], minLessons: 3 });
    snap.completions = { ...snap.completions, columns: () => { process.stdout.write('inside\\n'); process.kill(process.pid, 'SIGKILL'); } };
    Warehouse.open(${JSON.stringify(file)}, ${JSON.stringify(OPTS)}).replaceAll(snap, ${JSON.stringify(OFFSETS)}, []);`;
  const child = spawn(process.execPath, ['--import=tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
  t.is(signal, 'SIGKILL', `the child was killed (exit ${code}, said ${JSON.stringify(out)})`);
  t.true(out.includes('inside'), 'killed inside the rebuild');
  t.true(fs.existsSync(`${file}-journal`), 'a hot journal is left');
  t.true(fs.statSync(file).size > 20 * 1024 * 1024, 'and the file holds pages of the unfinished rebuild');
  const w = Warehouse.open(file, OPTS);
  t.true(w.isEmpty(), 'rolled back: nothing of the rebuild is there');
  w.replaceAll(snapshot(1_000), OFFSETS, []);
  await w.close();
  const c = contents(file);
  t.is(c.mode, 'wal');
  t.is((c.students as { n: number }).n, 1_000);
});
