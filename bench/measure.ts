// A child process measured from outside: wall time, and peak RSS two ways.
//  - polled: the child's VmHWM (the kernel's high-water mark of its resident set, one address space,
//    so worker threads are included) read from /proc/PID/status every 20 ms; the last read before
//    it exits is at most 20 ms old.
//  - exact: when /usr/bin/time (GNU time) is installed, the child runs under it and its `%M` is the
//    kernel's ru_maxrss from wait4, taken after the child has exited.
// The table prints the exact number when there is one, the polled one otherwise, and says which.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';

const GNU_TIME = '/usr/bin/time';
const POLL_MS = 20;

export interface Measured {
  wallMs: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** VmHWM, polled every 20 ms, bytes; 0 when the child ended before the first poll. */
  polledPeakBytes: number;
  /** ru_maxrss from wait4 through GNU time, bytes; null without /usr/bin/time. */
  exactPeakBytes: number | null;
  /** The number to print: exact when there is one. */
  peakBytes: number;
  /** User + system CPU time of the child and its threads, ms (GNU time's %U + %S); null without it. */
  cpuMs: number | null;
}

export interface Running {
  /** The measured process itself (not GNU time's). Resolves once known. */
  pid: Promise<number>;
  /** The high-water mark read so far, bytes. */
  peakSoFar(): number;
  /** Milliseconds since the spawn. */
  elapsedMs(): number;
  /** Sends a signal to the measured process. */
  kill(signal: NodeJS.Signals): Promise<void>;
  done: Promise<Measured>;
}

export const peakMethod = (): string =>
  existsSync(GNU_TIME)
    ? 'peak RSS = ru_maxrss from wait4 (GNU time %M) after the process exits, worker threads included; VmHWM polled every 20 ms as a cross-check'
    : 'peak RSS = VmHWM from /proc/PID/status polled every 20 ms until the process exits (worker threads included); /usr/bin/time not installed';

function vmHwm(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? null : Number(m[1]) * 1024;
  } catch {
    return null;
  }
}

/** GNU time forks the command: its child is the process to poll and signal (no /proc/PID/task/PID/children on every kernel). */
function childOf(ppid: number): number | null {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      // pid (comm) state ppid ...; comm may hold spaces and parentheses: split after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === ppid) return Number(d);
    } catch {
      // gone meanwhile
    }
  }
  return null;
}

export function spawnMeasured(command: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Running {
  const wrapped = existsSync(GNU_TIME);
  const tmp = wrapped ? mkdtempSync(join(tmpdir(), 'bb-time-')) : null;
  const timeOut = tmp === null ? null : join(tmp, 'maxrss');
  const t0 = performance.now();
  const child: ChildProcess = wrapped
    ? spawn(GNU_TIME, ['-f', '%M %U %S', '-o', timeOut!, command, ...args], { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-200_000)));
  let target: number | null = wrapped ? null : child.pid!;
  let resolvePid!: (pid: number) => void;
  const pid = new Promise<number>((r) => (resolvePid = r));
  if (target !== null) resolvePid(target);
  let peak = 0;
  let exited = false;
  const poll = () => {
    if (exited) return;
    if (target === null) {
      target = childOf(child.pid!);
      if (target !== null) resolvePid(target);
    }
    if (target !== null) {
      const v = vmHwm(target);
      if (v !== null && v > peak) peak = v;
    }
  };
  const timer = setInterval(poll, POLL_MS);
  poll();
  const done = new Promise<Measured>((resolve, reject) => {
    child.once('error', (err) => {
      clearInterval(timer);
      reject(err);
    });
    child.once('exit', (code, signal) => {
      exited = true;
      const wallMs = performance.now() - t0;
      clearInterval(timer);
      let exact: number | null = null;
      let cpuMs: number | null = null;
      let codeOut = code;
      if (timeOut !== null) {
        // GNU time writes "Command exited with non-zero status N" above the number when it failed.
        const text = existsSync(timeOut) ? readFileSync(timeOut, 'utf8').trim().split('\n') : [];
        const [kb, user, sys] = (text.at(-1) ?? '').split(' ').map(Number);
        if (kb !== undefined && Number.isFinite(kb) && kb > 0) exact = kb * 1024;
        if (user !== undefined && sys !== undefined && Number.isFinite(user + sys)) cpuMs = (user + sys) * 1000;
        const sig = text.find((l) => l.startsWith('Command terminated by signal'));
        if (sig !== undefined) codeOut = 128 + Number(sig.split(' ').at(-1));
        rmSync(tmp!, { recursive: true, force: true });
      }
      const finish = () => resolve({ wallMs, code: codeOut, signal, stdout, stderr, polledPeakBytes: peak, exactPeakBytes: exact, peakBytes: exact ?? peak, cpuMs });
      // Let the pipes drain before the output is read.
      if (child.stdout!.readableEnded && child.stderr!.readableEnded) finish();
      else child.once('close', finish);
    });
  });
  return {
    pid,
    peakSoFar: () => {
      poll();
      return peak;
    },
    elapsedMs: () => performance.now() - t0,
    kill: async (signal) => {
      const p = await Promise.race([pid, done.then(() => null)]);
      if (p !== null && !exited) process.kill(p, signal);
    },
    done,
  };
}

export const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** Other processes share this machine's cores: the load average is printed beside the numbers it may have spoiled. */
export function loadLine(): string {
  const [one, five] = os.loadavg();
  const cores = os.cpus().length;
  return `load average ${one!.toFixed(2)} (1 min), ${five!.toFixed(2)} (5 min) on ${cores} cores${one! > cores * 0.75 ? ': OTHER WORK IS RUNNING, times are noisy' : ''}`;
}

/**
 * What code ran: the commit, and how many files under src/ differ from it (the bin builds the
 * working tree, edits included). Read-only git (--no-optional-locks: not even the index's stat cache).
 */
export function codeLine(root: string): string {
  try {
    const git = (...args: string[]) => execFileSync('git', ['--no-optional-locks', ...args], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const head = git('rev-parse', '--short', 'HEAD');
    const changed = git('status', '--porcelain', '--', 'src').split('\n').filter((l) => l !== '').length;
    return `code: commit ${head}${changed === 0 ? ', src/ as committed' : `, plus ${changed} changed or new files under src/ (the working tree is what runs)`}`;
  } catch {
    return 'code: not a git work tree';
  }
}
