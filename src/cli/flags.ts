// Flags → typed values. Every check fails with a UsageError that names the command, the flag and
// what was wrong with it.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isDate } from '../domain/validate.ts';
import { UsageError } from './errors.ts';

export type FlagSpec = NonNullable<ParseArgsConfig['options']>;
export type FlagValues = Record<string, string | boolean | string[] | undefined>;

export interface Parsed {
  values: FlagValues;
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
  return { values: parsed.values as FlagValues, positionals: parsed.positionals };
}

export function stringFlag(command: string, values: FlagValues, name: string): string | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new UsageError(`${command}: --${name} needs a value`);
  return v;
}

export function requiredFlag(command: string, values: FlagValues, name: string): string {
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

export function intFlag(command: string, values: FlagValues, name: string, range: Range): number | undefined {
  const v = stringFlag(command, values, name);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw new UsageError(`${command}: --${name} must be an integer, got '${v}'`);
  return inRange(command, name, Number(v), range);
}

export function numberFlag(command: string, values: FlagValues, name: string, range: Range): number | undefined {
  const v = stringFlag(command, values, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || v.trim() === '') throw new UsageError(`${command}: --${name} must be a number, got '${v}'`);
  return inRange(command, name, n, range);
}

export function dateFlag(command: string, values: FlagValues, name: string): string | undefined {
  const v = stringFlag(command, values, name);
  if (v !== undefined && !isDate(v)) throw new UsageError(`${command}: --${name} must be a date YYYY-MM-DD, got '${v}'`);
  return v;
}

/** Where the warehouse is when --warehouse is not given (top, status, restart, the demo). */
export const DEFAULT_WAREHOUSE = 'data/warehouse.db';
