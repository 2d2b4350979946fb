// Flags and environment → one typed, validated config. Every check fails with a UsageError that
// names the flag and what was wrong with it.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { resolve as resolvePath } from 'node:path';
import { UsageError } from './errors.ts';

export type FlagSpec = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** Parses `argv` strictly: an unknown flag or a flag missing its value is a UsageError. */
export function parseFlags(command: string, argv: string[], options: FlagSpec, maxPositionals = 0): Parsed {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (err) {
    // node:util words these well ("Unknown option '--x'"); keep its wording, drop its error code.
    const msg = (err as Error).message.split('. To specify')[0];
    throw new UsageError(`${command}: ${msg}`);
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`${command}: unexpected argument '${parsed.positionals[maxPositionals]}'`);
  }
  return { values: parsed.values as Parsed['values'], positionals: parsed.positionals };
}

export function stringFlag(command: string, values: Parsed['values'], name: string): string | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new UsageError(`${command}: --${name} needs a value`);
  return v;
}

export function requiredFlag(command: string, values: Parsed['values'], name: string): string {
  const v = stringFlag(command, values, name);
  if (v === undefined) throw new UsageError(`${command}: --${name} is required`);
  return v;
}

interface Range {
  min: number;
  max: number;
}

function inRange(command: string, name: string, n: number, range: Range): number {
  if (n < range.min || n > range.max) {
    throw new UsageError(`${command}: --${name} must be between ${range.min} and ${range.max}, got ${n}`);
  }
  return n;
}

export function intFlag(command: string, values: Parsed['values'], name: string, range: Range): number | undefined {
  const v = stringFlag(command, values, name);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw new UsageError(`${command}: --${name} must be an integer, got '${v}'`);
  return inRange(command, name, Number(v), range);
}

export function numberFlag(command: string, values: Parsed['values'], name: string, range: Range): number | undefined {
  const v = stringFlag(command, values, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || v.trim() === '') throw new UsageError(`${command}: --${name} must be a number, got '${v}'`);
  return inRange(command, name, n, range);
}

/** The control socket of the supervisor that writes `warehouse`: beside it, so `status` finds it from the path alone. */
export function controlSocketPath(warehouse: string): string {
  return `${warehouse}.sock`;
}

export const DEFAULT_WAREHOUSE = 'data/warehouse.db';

/** What a warehouse is built from, as stored in it: the API URL and the two source files' absolute paths. */
export function sourcesId(s: { api: string; students: string; log: string }): string {
  return JSON.stringify({ api: withoutCredentials(s.api).replace(/\/+$/, ''), students: resolvePath(s.students), log: resolvePath(s.log) });
}

/** A URL as it may be shown or stored: a user name or password in it is removed. */
export function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    if (u.username === '' && u.password === '') return url;
    u.username = '';
    u.password = '';
    return u.href;
  } catch {
    return url;
  }
}
