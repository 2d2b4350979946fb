// Checking an actor's `args` (plain data from its child spec) up front, field by field, with one
// wording for every actor: "LogTailer args.pollMs must be an integer >= 1, got -3". A bad field is
// that actor's crash at start, named, as runtime/spec.ts names a bad child spec field.

export class ArgsError extends Error {
  override name = 'ArgsError';
}

const shown = (v: unknown): string => (typeof v === 'string' || (typeof v === 'object' && v !== null) ? JSON.stringify(v) : String(v));

export class Args {
  private readonly o: Record<string, unknown>;

  constructor(
    private readonly actor: string,
    raw: unknown,
  ) {
    this.o = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  }

  private fail(field: string, must: string): never {
    const got = this.o[field];
    throw new ArgsError(`${this.actor} args.${field} must be ${must}${got === undefined ? ' (it is missing)' : `, got ${shown(got)}`}`);
  }

  /** A non-empty string; `what` says what it names ("the path of test_runs.log"). */
  string(field: string, what: string): string {
    const v = this.o[field];
    if (typeof v !== 'string' || v === '') this.fail(field, `${what} (a non-empty string)`);
    return v;
  }

  optionalString(field: string, what: string): string | undefined {
    return this.o[field] === undefined ? undefined : this.string(field, what);
  }

  /** An integer >= `min`; `dflt` when absent. */
  int(field: string, dflt: number, min = 1): number {
    const v = this.o[field] ?? dflt;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) this.fail(field, `an integer >= ${min}`);
    return v;
  }

  optionalInt(field: string, min = 1): number | undefined {
    return this.o[field] === undefined ? undefined : this.int(field, 0, min);
  }

  /** A string that `valid` accepts; `must` says what it must be. */
  optionalChecked(field: string, must: string, valid: (v: unknown) => v is string): string | undefined {
    const v = this.o[field];
    if (v === undefined) return undefined;
    if (!valid(v)) this.fail(field, must);
    return v;
  }

  /** An object of integer fields, each >= `min`. */
  optionalInts<K extends string>(field: string, keys: readonly K[], min = 0): Record<K, number> | undefined {
    const v = this.o[field];
    if (v === undefined) return undefined;
    const r = v as Record<string, unknown>;
    if (typeof v !== 'object' || v === null || !keys.every((k) => typeof r[k] === 'number' && Number.isInteger(r[k]) && (r[k] as number) >= min)) {
      this.fail(field, `{ ${keys.join(', ')} }, integers >= ${min}`);
    }
    return v as Record<K, number>;
  }
}
