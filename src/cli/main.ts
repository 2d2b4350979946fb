// The command line of CONTRACTS §5. Each command lives in its own module, loaded only when used,
// so `batchboard top` does not pay for the simulator or the actor runtime.
import { UsageError, failure } from './errors.ts';
import { visible } from '../runtime/text.ts';

export interface CommandModule {
  run(argv: string[]): Promise<number>;
  /** The full flag list for `batchboard COMMAND --help`, when the usage line is not enough. */
  FLAGS_HELP?: string;
}

interface Command {
  usage: string;
  summary: string;
  load: () => Promise<CommandModule>;
  /** Started before load() and not waited for: what the command will need and can begin now. */
  warm?: () => Promise<void>;
}

/** The log scan's threads (rebuild, verify): they start up while the command's code loads. */
const warmScan = async (): Promise<void> => (await import('../batch/scan/pool.ts')).warmScanPool();

const COMMANDS: Record<string, Command> = {
  start: {
    usage: 'start --api URL --students PATH --log PATH --warehouse PATH|URL [--name NAME] [--min-lessons 3] [--since YYYY-MM-DD] [--http HOST:PORT [--http-token TOKEN]]',
    summary: 'run the pipeline until SIGINT/SIGTERM; with no sources named, run the demo on simulated sources',
    load: () => import('./start.ts'),
  },
  simulate: {
    usage: 'simulate --dir DIR [--port N] [--seed N] ...',
    summary: 'run only the simulated sources: the API on loopback, DIR/students.db, DIR/test_runs.log',
    load: () => import('./simulate.ts'),
  },
  rebuild: {
    usage: 'rebuild --api URL --students PATH --log PATH [--log PATH ...] --warehouse PATH|URL',
    summary: 'compute the warehouse from scratch over everything the sources hold now',
    load: () => import('./rebuild.ts'),
    warm: warmScan,
  },
  verify: {
    usage: 'verify --api URL --students PATH --log PATH [--log PATH ...] --warehouse PATH|URL',
    summary: 'recompute from scratch and compare with the warehouse (exit 1 on differences)',
    load: () => import('./verify.ts'),
    warm: warmScan,
  },
  top: {
    usage: 'top [--warehouse PATH|URL] [--limit N] [--json]',
    summary: 'print the leaderboard',
    load: () => import('./top.ts'),
  },
  explain: {
    usage: 'explain BATCH [--warehouse PATH|URL] [--json]',
    summary: "why a batch has its number: its students, each one's completed lessons and qualified_at",
    load: () => import('./explain.ts'),
  },
  serve: {
    usage: 'serve [--warehouse PATH|URL] [--http HOST:PORT] [--http-token TOKEN]',
    summary: 'serve the live leaderboard page over a warehouse, read-only; prints its URL first',
    load: () => import('./serve.ts'),
  },
  status: {
    usage: 'status [--warehouse PATH|URL] [--pipeline NAME] [--json]',
    summary: "ask the running supervisor of that warehouse for each actor's state",
    load: () => import('./status.ts'),
  },
  restart: {
    usage: 'restart ACTOR [--warehouse PATH|URL] [--pipeline NAME]',
    summary: 'hot-restart one actor of the running supervisor of that warehouse',
    load: () => import('./restart.ts'),
  },
};

export function helpText(): string {
  const lines = ['usage: batchboard <command> [flags]', '', 'commands:'];
  for (const [name, c] of Object.entries(COMMANDS)) {
    lines.push(`  ${name.padEnd(9)} ${c.summary}`);
  }
  lines.push('', 'flags of each command:');
  for (const c of Object.values(COMMANDS)) lines.push(`  batchboard ${c.usage}`);
  lines.push('', "Run 'batchboard <command> --help' for one command.");
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(helpText() + '\n');
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(helpText() + '\n');
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  try {
    if (command === undefined) {
      throw new UsageError(`unknown command '${name}'; commands: ${Object.keys(COMMANDS).join(', ')}`);
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      const full = (await command.load()).FLAGS_HELP;
      process.stdout.write(`usage: ${full ?? `batchboard ${command.usage}`}\n  ${command.summary}\n`);
      return 0;
    }
    // A warm-up that fails is only a lost head start: the command does the same again and reports it.
    command.warm?.().catch(() => {});
    const mod = await command.load();
    return await mod.run(rest);
  } catch (err) {
    const { message, code } = failure(name, err);
    // Messages can quote the sources (an actor's last error): shown, never interpreted.
    process.stderr.write(`batchboard: ${visible(message)}\n`);
    return code;
  }
}
