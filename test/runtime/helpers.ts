// Shared test plumbing for the runtime tests: temp dirs, fixture paths, a capturing logger,
// polling waits (never bare sleeps) and child processes running a supervisor script.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';
import { Supervisor, type ActorStatus, type SupervisorOptions } from '../../src/runtime/index.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Absolute path of an actor module or script in test/fixtures. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`../fixtures/${name}.ts`, import.meta.url));
}

/**
 * Quick timings for tests: restarts wait 25 to 400 ms. The heartbeat timeout stays 10 s so that a
 * loaded machine (2 cores, test files in parallel, CI's several times slower) does not pass for a
 * stall; the stall tests set their own.
 */
export const FAST = {
  heartbeat: { intervalMs: 50, timeoutMs: 10_000 },
  backoff: { initialMs: 50, maxMs: 400, resetAfterMs: 10_000 },
  intensity: { maxRestarts: 50, withinMs: 10_000 },
} satisfies Partial<SupervisorOptions>;

/** A fresh directory under the OS temp dir (short, so Unix socket paths in it fit), removed after the test. */
export function tempDir(t: ExecutionContext, prefix = 'bb-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export { waitFor, type WaitOptions } from '../wait.ts';

export interface LogEntry {
  event: string;
  fields: Record<string, unknown>;
  at: number;
}

/** A Logger that keeps every event, with the time it was logged. */
export function captureLogger() {
  const entries: LogEntry[] = [];
  return {
    entries,
    log: (event: string, fields: Record<string, unknown>) => {
      entries.push({ event, fields, at: Date.now() });
    },
    /** The entries of `event`, optionally only those about `actor`. */
    of(event: string, actor?: string): LogEntry[] {
      return entries.filter((e) => e.event === event && (actor === undefined || e.fields.actor === actor));
    },
  };
}

/** Starts a supervisor that is shut down when the test ends. */
export async function startSupervisor(
  t: ExecutionContext,
  options: SupervisorOptions,
  log: (event: string, fields: Record<string, unknown>) => void,
): Promise<Supervisor> {
  const supervisor = new Supervisor(options, log);
  t.teardown(async () => {
    await supervisor.shutdown();
  });
  await supervisor.start();
  return supervisor;
}

/** One actor's status; throws when there is no such actor. */
export function statusOf(supervisor: Supervisor, name: string): ActorStatus {
  const s = supervisor.status().find((a) => a.name === name);
  if (s === undefined) throw new Error(`no actor ${name} in status`);
  return s;
}

/** Lines of a text file (the complete ones), or [] when it does not exist yet. */
export function readLines(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const end = text.lastIndexOf('\n');
  return end < 0 ? [] : text.slice(0, end).split('\n');
}

export interface ScriptRun {
  child: ChildProcess;
  /** stderr split into lines as they arrive. */
  stderrLines: string[];
  stdout: () => string;
  /** The JSON log lines of stderr, parsed. */
  logs: () => Array<{ event: string; [k: string]: unknown }>;
  /** stderr lines that are not JSON log lines. */
  plainLines: () => string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs `node --import tsx test/fixtures/<script>.ts ...args` as a real child process; it is killed
 * (SIGKILL) at the end of the test if still running.
 */
export function runScript(t: ExecutionContext, script: string, args: string[]): ScriptRun {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture(script), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderrLines: string[] = [];
  let partial = '';
  let out = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    partial += chunk;
    const parts = partial.split('\n');
    partial = parts.pop()!;
    stderrLines.push(...parts);
  });
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    out += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => {
      if (partial !== '') stderrLines.push(partial);
      partial = '';
      resolve({ code, signal });
    });
  });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const parse = (line: string): { event: string; [k: string]: unknown } | null => {
    if (!line.startsWith('{')) return null;
    try {
      const v = JSON.parse(line) as { event?: unknown };
      return typeof v.event === 'string' ? (v as { event: string }) : null;
    } catch {
      return null;
    }
  };
  return {
    child,
    stderrLines,
    stdout: () => out,
    logs: () => stderrLines.map(parse).filter((l) => l !== null),
    plainLines: () => stderrLines.filter((l) => l.trim() !== '' && parse(l) === null),
    exited,
  };
}
