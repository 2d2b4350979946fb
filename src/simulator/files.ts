// The source files of one simulator directory, and making room for them.
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
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

/** Creates `dir`; existing source files are an error, or removed with `reset`. */
export function prepareDir(p: SourcePaths, reset: boolean): void {
  try {
    mkdirSync(p.dir, { recursive: true });
  } catch (err) {
    throw errors.cannotCreate(p.dir, err as Error);
  }
  const logName = basename(p.log);
  const ours = [p.students, `${p.students}-wal`, `${p.students}-shm`, p.log];
  for (const f of readdirSync(p.dir)) if (/^\d+$/.test(f.slice(logName.length + 1)) && f.startsWith(`${logName}.`)) ours.push(join(p.dir, f));
  for (const f of ours) {
    if (!existsSync(f)) continue;
    if (!reset) throw errors.sourceExists(f);
    rmSync(f, { force: true });
  }
}
