// `batchboard simulate`: the simulated sources of CONTRACTS §6 on their own, until SIGINT/SIGTERM.
import { join } from 'node:path';
import { intFlag, numberFlag, parseFlags, requiredFlag, stringFlag, type FlagSpec } from './flags.ts';
import { UsageError } from './errors.ts';
import { FAULTS, FAULT_NAMES, parseFaultFlags } from '../simulator/faults.ts';
import { DEFAULTS, LIMITS, type SimulatorOptions } from '../simulator/options.ts';
import { startSimulator, type Simulator } from '../simulator/simulator.ts';

/** The flags, as the README shows them. */
export const FLAGS_HELP = `batchboard simulate --dir DIR [flags]
  --dir DIR                 where students.db and test_runs.log go (created if missing; required)
  --port N                  the API's port on 127.0.0.1 (default 0: any free port, printed)
  --seed N                  the same seed gives the same records (default ${DEFAULTS.seed})
  --reset                   remove students.db and test_runs.log* in DIR first (else they are an error)
  --batches N               batches in the history (default ${DEFAULTS.history.batches}, at most ${LIMITS.batches})
  --students N              students in the history (default ${DEFAULTS.history.students}, at most ${LIMITS.students})
  --test-runs N             test runs in the history (default ${DEFAULTS.history.testRuns}, at most ${LIMITS.testRuns})
  --lessons N               lessons are numbered 1..N (default ${DEFAULTS.lessons})
  --batches-per-sec X       live arrivals after the history (default ${DEFAULTS.live.batchesPerSec}; 0 = none)
  --students-per-sec X      (default ${DEFAULTS.live.studentsPerSec})
  --test-runs-per-sec X     (default ${DEFAULTS.live.testRunsPerSec})
  --no-live                 history only: nothing new arrives
  --epoch TIME|now          when the history ends and live time starts (default ${DEFAULTS.epoch})
  --token TOKEN             require Authorization: Bearer TOKEN (default: $BATCHBOARD_API_TOKEN, else none)
  --fault NAME[=VALUE]      switch a hard case on, repeatable; VALUE is a probability per event, or
                            seconds between events for rotate/truncate; 'all' = every one but truncate
${FAULT_NAMES.map((n) => `      ${n.padEnd(18)} ${FAULTS[n].per === 'seconds' ? `every ${FAULTS[n].default} s` : `${FAULTS[n].default} per ${FAULTS[n].per}`}: ${FAULTS[n].what}`).join('\n')}`;

const SPEC: FlagSpec = {
  'dir': { type: 'string' },
  'port': { type: 'string' },
  'seed': { type: 'string' },
  'reset': { type: 'boolean' },
  'batches': { type: 'string' },
  'students': { type: 'string' },
  'test-runs': { type: 'string' },
  'lessons': { type: 'string' },
  'batches-per-sec': { type: 'string' },
  'students-per-sec': { type: 'string' },
  'test-runs-per-sec': { type: 'string' },
  'no-live': { type: 'boolean' },
  'epoch': { type: 'string' },
  'token': { type: 'string' },
  'fault': { type: 'string', multiple: true },
};

const C = 'simulate';

/** Flags and environment → SimulatorOptions; every problem is a UsageError naming the flag. */
export function optionsFromFlags(argv: string[], env: NodeJS.ProcessEnv): SimulatorOptions {
  const { values: v } = parseFlags(C, argv, SPEC);
  const faultEntries = (v['fault'] as unknown as string[] | undefined) ?? [];
  let faults;
  try {
    faults = parseFaultFlags(faultEntries);
  } catch (err) {
    throw new UsageError(`${C}: --fault: ${(err as Error).message}`);
  }
  const rate = (name: string, max: number) => numberFlag(C, v, name, { min: 0, max });
  const token = stringFlag(C, v, 'token') ?? (env['BATCHBOARD_API_TOKEN'] || undefined);
  if (token !== undefined && /\s/.test(token)) throw new UsageError(`${C}: the API token must not contain white space`);
  return {
    dir: requiredFlag(C, v, 'dir'),
    port: intFlag(C, v, 'port', { min: 0, max: 65_535 }),
    seed: intFlag(C, v, 'seed', { min: 0, max: 0xffff_ffff }),
    reset: v['reset'] === true,
    lessons: intFlag(C, v, 'lessons', { min: 1, max: 1_000 }),
    history: {
      batches: intFlag(C, v, 'batches', { min: 0, max: LIMITS.batches }),
      students: intFlag(C, v, 'students', { min: 0, max: LIMITS.students }),
      testRuns: intFlag(C, v, 'test-runs', { min: 0, max: LIMITS.testRuns }),
    },
    live:
      v['no-live'] === true
        ? false
        : { batchesPerSec: rate('batches-per-sec', 1_000), studentsPerSec: rate('students-per-sec', 10_000), testRunsPerSec: rate('test-runs-per-sec', 100_000) },
    epoch: stringFlag(C, v, 'epoch'),
    token,
    faults,
  };
}

function shellQuote(s: string): string {
  return /^[\w./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** What `simulate` prints once the sources are up. The token itself is never printed. */
export function describe(sim: Simulator, o: SimulatorOptions): string {
  const h = sim.ledger.counts();
  const t = sim.historyTimings;
  const secs = ((t.batchesMs + t.studentsMs + t.testRunsMs) / 1000).toFixed(1);
  const live = o.live === false || o.live === undefined ? DEFAULTS.live : { ...DEFAULTS.live, ...Object.fromEntries(Object.entries(o.live).filter(([, x]) => x !== undefined)) };
  const faults = Object.entries(o.faults ?? {}).map(([n, x]) => `${n}=${x}`);
  const warehouse = join(sim.dir, 'warehouse.db');
  const lines = [
    `batchboard simulate: seed ${sim.seed}; history of ${h.batches + h.rejectedBatches} batches, ${h.students + h.rejectedStudents} students, ${h.testRuns} test runs written in ${secs} s`,
    `  batches API  ${sim.apiUrl}/batches${o.token === undefined ? '' : '  (requires the bearer token: export BATCHBOARD_API_TOKEN before batchboard start)'}`,
    `  students     ${sim.studentsPath}`,
    `  test runs    ${sim.logPath}`,
    `  live         ${o.live === false ? 'off (--no-live)' : `${live.batchesPerSec} batches/s, ${live.studentsPerSec} students/s, ${live.testRunsPerSec} test runs/s`}`,
    `  faults       ${faults.length === 0 ? 'none' : faults.join(' ')}`,
    'Point batchboard at them:',
    `  batchboard start --api ${sim.apiUrl} --students ${shellQuote(sim.studentsPath)} --log ${shellQuote(sim.logPath)} --warehouse ${shellQuote(warehouse)}`,
    'Running until SIGINT (Ctrl-C) or SIGTERM.',
  ];
  return lines.join('\n') + '\n';
}

function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

export async function run(argv: string[]): Promise<number> {
  const options = optionsFromFlags(argv, process.env);
  // A SimulatorError (a bad option, a file that cannot be created, a port in use) is exit 2.
  const sim = await startSimulator(options);
  process.stdout.write(describe(sim, options));
  const signal = await untilSignal();
  await sim.close();
  const c = sim.ledger.counts();
  process.stdout.write(
    `batchboard simulate: ${signal}: stopped. Served ${c.batchVersions} batch versions (${c.rejectedBatches} invalid), ` +
      `inserted ${c.students} students (${c.rejectedStudents} invalid), wrote ${c.lines} lines (${c.testRuns} test runs, ${c.badLines} bad).\n`,
  );
  return 0;
}
