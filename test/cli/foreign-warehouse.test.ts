// A file that is not a batchboard warehouse (another application's SQLite database, in rollback
// journal mode) named as --warehouse: every command refuses it in one line, exit 2, and leaves it
// byte for byte as it was. Before the fix, `start` switched it to WAL mode before refusing.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import test from 'ava';
import { batchboard } from './helpers.ts';
import { startSim, tempDir } from '../simulator/helpers.ts';

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

function foreignDb(dir: string): string {
  const file = join(dir, 'other.db');
  const db = new Database(file);
  db.pragma('journal_mode = DELETE');
  db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('ada'), ('grace');");
  db.close();
  return file;
}

test('every command refuses a foreign SQLite file and leaves it unchanged', async (t) => {
  const sim = await startSim(t, { history: { batches: 3, students: 10, testRuns: 100 } });
  const dir = tempDir(t);
  const file = foreignDb(dir);
  const before = sha(file);
  const header = readFileSync(file).subarray(18, 20);
  t.deepEqual([...header], [1, 1], 'a rollback-journal database to begin with');
  const sources = ['--api', sim.apiUrl, '--students', sim.studentsPath, '--log', sim.logPath];
  const commands: [string, string[]][] = [
    ['start', ['start', ...sources, '--warehouse', file]],
    ['start (demo)', ['start', '--warehouse', file]],
    ['rebuild', ['rebuild', ...sources, '--warehouse', file]],
    ['verify', ['verify', ...sources, '--warehouse', file]],
    ['top', ['top', '--warehouse', file]],
  ];
  for (const [name, args] of commands) {
    const r = await batchboard(args);
    t.is(r.code, 2, `${name}: ${r.stderr}`);
    t.is(r.stderr.trimEnd().split('\n').length, 1, `${name}: one line: ${r.stderr}`);
    t.regex(r.stderr, /other\.db (is not a batchboard warehouse|is an SQLite database but not a batchboard warehouse|which is not a demo warehouse)/, name);
    t.is(sha(file), before, `${name} left the file byte for byte as it was`);
    for (const suffix of ['-wal', '-shm', '-journal']) t.false(existsSync(file + suffix), `${name} left no ${suffix} file`);
  }
});
