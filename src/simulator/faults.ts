// The hard cases of CONTRACTS §1-§3, as data: each has a name (the same on the command line and in
// the programmatic options), what its number means, and the value `--fault NAME` alone switches
// it on with. Every one can also be triggered on demand from a test (see Simulator).
import { errors } from './errors.ts';

export interface FaultSpec {
  /** What the number is: a probability per event of that kind, or seconds between events. */
  readonly per: 'batch' | 'student' | 'line' | 'request' | 'seconds';
  readonly default: number;
  readonly what: string;
  /** Part of `--fault all`? Truncation is not: lines a reader has not yet read are lost with it. */
  readonly inAll: boolean;
}

export const FAULTS = {
  'ties': { per: 'batch', default: 0.05, inAll: true, what: 'a group of batches sharing one created_at, larger than a page (tieSize, 150)' },
  'late-batches': { per: 'batch', default: 0.1, inAll: true, what: 'a new batch with created_at 1 ms to 60 s (that bound one time in ten) before the newest served' },
  'duplicate-batches': { per: 'batch', default: 0.05, inAll: true, what: 'a batch served again under the same id, newer created_at, half the time with a changed name/start_date' },
  'invalid-batches': { per: 'batch', default: 0.02, inAll: true, what: 'a batch with an invalid field inside a valid page' },
  'http-429': { per: 'request', default: 0.05, inAll: true, what: '429 with Retry-After (retryAfterSec, 1)' },
  'http-5xx': { per: 'request', default: 0.05, inAll: true, what: '500, 502 or 503' },
  'slow': { per: 'request', default: 0.02, inAll: true, what: 'the answer is delayed (slowMs, 2000)' },
  'not-json': { per: 'request', default: 0.02, inAll: true, what: 'a 200 whose body is not JSON' },
  'wrong-shape': { per: 'request', default: 0.02, inAll: true, what: 'a 200 with JSON not of the contract shape' },
  'resets': { per: 'request', default: 0.02, inAll: true, what: 'no whole answer: the connection is closed, reset, or cut off mid-body' },
  'backfill-students': { per: 'student', default: 0.02, inAll: true, what: 'a student inserted with an id below the high-water mark' },
  'invalid-students': { per: 'student', default: 0.005, inAll: true, what: 'a student row that breaks the types of §2' },
  'early-students': { per: 'student', default: 0.02, inAll: true, what: 'a student whose batch is not served yet' },
  'early-test-runs': { per: 'line', default: 0.005, inAll: true, what: 'a test run whose student is not inserted yet' },
  'duplicate-lines': { per: 'line', default: 0.01, inAll: true, what: 'a recent line written again' },
  'bad-lines': { per: 'line', default: 0.001, inAll: true, what: 'a bad line: not JSON, field missing, wrong type, negative count, over 64 KiB' },
  'split-lines': { per: 'line', default: 0.001, inAll: true, what: 'a line written in two parts with a pause between (splitPauseMs, 200)' },
  'line-variants': { per: 'line', default: 0.01, inAll: true, what: 'valid lines written unusually: \\r\\n, other key order, extra keys, white space, blank lines' },
  'rotate': { per: 'seconds', default: 60, inAll: true, what: 'the log is renamed to PATH.1 (older ones shift) and a new PATH created' },
  'truncate': { per: 'seconds', default: 300, inAll: false, what: 'the log is truncated to zero length and written again' },
} as const satisfies Record<string, FaultSpec>;

export type FaultName = keyof typeof FAULTS;
export const FAULT_NAMES = Object.keys(FAULTS) as FaultName[];
export type FaultRates = Record<FaultName, number>;
export type FaultOptions = Partial<Record<FaultName, number>> | 'all';

export function noFaults(): FaultRates {
  return Object.fromEntries(FAULT_NAMES.map((n) => [n, 0])) as FaultRates;
}

export function isFaultName(name: string): name is FaultName {
  return Object.hasOwn(FAULTS, name);
}

/** Checks one fault's value: a probability in [0, 1], or seconds between events in (0, 86400]. */
export function checkFault(name: string, value: unknown): number {
  if (!isFaultName(name)) throw errors.unknownFault(name, FAULT_NAMES);
  const spec: FaultSpec = FAULTS[name];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw errors.optionType(`faults.${name}`, 'a number', value);
  if (spec.per === 'seconds') {
    if (value < 0 || value > 86_400) throw errors.optionRange(`faults.${name} (seconds between, 0 = off)`, 0, 86_400, value);
  } else if (value < 0 || value > 1) {
    throw errors.optionRange(`faults.${name} (probability per ${spec.per})`, 0, 1, value);
  }
  return value;
}

export function resolveFaults(input: FaultOptions | undefined): FaultRates {
  const rates = noFaults();
  if (input === undefined) return rates;
  if (input === 'all') {
    for (const n of FAULT_NAMES) if (FAULTS[n].inAll) rates[n] = FAULTS[n].default;
    return rates;
  }
  if (typeof input !== 'object' || input === null) throw errors.optionType('faults', "an object or 'all'", input);
  for (const [name, value] of Object.entries(input)) rates[name as FaultName] = checkFault(name, value);
  return rates;
}

/**
 * Parses the values of repeated `--fault` flags: `NAME` (its default), `NAME=VALUE`, or `all`.
 * Throws a SimulatorError naming the bad entry.
 */
export function parseFaultFlags(entries: readonly string[]): Partial<Record<FaultName, number>> {
  const out: Partial<Record<FaultName, number>> = {};
  for (const entry of entries) {
    const [name = '', raw] = entry.split('=', 2);
    if (name === 'all' && raw === undefined) {
      for (const n of FAULT_NAMES) if (FAULTS[n].inAll && out[n] === undefined) out[n] = FAULTS[n].default;
      continue;
    }
    if (!isFaultName(name)) throw errors.unknownFault(name, FAULT_NAMES);
    const value = raw === undefined ? FAULTS[name].default : raw.trim() === '' ? Number.NaN : Number(raw);
    out[name] = checkFault(name, value);
  }
  return out;
}
