// The source files of one simulator directory, and making room for them.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { errors } from './errors.ts';

export interface SourcePaths {
  dir: string;
  students: string;
  log: string;
}

export function sourcePaths(dir: string): SourcePaths {
  const abs = resolve(dir);
  return { dir: abs, students: join(abs, 'students.db'), log: join(abs, 'test_runs.log') };
}

/** `test_runs.log.1`, `.2`, ... that exist beside the log, newest first. */
export function rotatedLogs(log: string): string[] {
  const out: string[] = [];
  for (let n = 1; existsSync(`${log}.${n}`); n++) out.push(`${log}.${n}`);
  return out;
}

/**
 * `mkdir -p` one level at a time. Node's `mkdirSync(dir, { recursive: true })` spins forever on a
 * path under /proc (the child gives ENOENT, the parent EEXIST, and it retries; seen on Node 20).
 */
function makeDir(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d); d = dirname(d)) {
    missing.push(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing.reverse()) mkdirSync(d);
  if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
}

/** Creates `dir`; existing source files are an error, or removed with `reset`. */
export function prepareDir(p: SourcePaths, reset: boolean): void {
  let names: string[];
  try {
    makeDir(p.dir);
    names = readdirSync(p.dir);
  } catch (err) {
    throw errors.cannotCreate(p.dir, err as Error);
  }
  const logName = basename(p.log);
  const ours = [p.students, `${p.students}-wal`, `${p.students}-shm`, p.log];
  for (const f of names) if (/^\d+$/.test(f.slice(logName.length + 1)) && f.startsWith(`${logName}.`)) ours.push(join(p.dir, f));
  for (const f of ours) {
    if (!existsSync(f)) continue;
    if (!reset) throw errors.sourceExists(f);
    rmSync(f, { force: true });
  }
}
