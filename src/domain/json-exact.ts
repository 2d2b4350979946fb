// JSON numbers that a JavaScript number cannot hold as written. JSON.parse rounds
// 9007199254740993 to 9007199254740992 and 12.0000000000000001 to 12: an id past 2^53 would be
// rejected under another value, and a non-integer could pass for a valid id. Here such numbers are
// kept as their text (ExactNumber), so that validation rejects them with the value as written and
// `raw` shows it unchanged. Pure: no I/O.

/** A JSON number that JSON.parse would round into an integer it is not, or an integer past ±(2^53 - 1). */
export class ExactNumber {
  constructor(readonly text: string) {}
  /** Written back as the number it was, by stringifyExact(). */
  toJSON(): string {
    return MARK + this.text;
  }
  toString(): string {
    return this.text;
  }
}

// A string no JSON text can produce from a number: \u0000 is escaped in every JSON string written.
const MARK = '\u0000bb-exact:';
const MARKED = /"\\u0000bb-exact:([^"]*)"/g;

/** JSON.parse, except that numbers it would misrepresent become ExactNumber. Throws as JSON.parse does. */
export function parseJsonExact(text: string): unknown {
  const marked = markInexact(text);
  if (marked === null) return JSON.parse(text);
  return JSON.parse(marked, (_key, v: unknown) => (typeof v === 'string' && v.startsWith(MARK) ? new ExactNumber(v.slice(MARK.length)) : v));
}

/**
 * Cheap test for a JSON text that may hold a number JSON.parse misrepresents: a run of 16 digits, or
 * a number with a fraction or exponent after a key's colon, a comma or `[` (a timestamp's
 * "10:00:00.000Z" is none of these). False positives only cost the scan.
 */
export function mayHoldInexact(text: string): boolean {
  return /\d{16}|"\s*:\s*-?\d+[.eE]|[,[]\s*-?\d+[.eE]/.test(text);
}

/** JSON.stringify, writing ExactNumber and bigint values as the numbers they are. */
export function stringifyExact(value: unknown): string | undefined {
  const out = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? MARK + v.toString() : v));
  return out?.includes('\\u0000bb-exact:') ? out.replace(MARKED, '$1') : out;
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** `text` with every misrepresented number token replaced by a marked string; null when there is none. */
function markInexact(text: string): string | null {
  let out: string | null = null;
  let copied = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: skip to its closing quote, past escapes.
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i += 2;
        else if (d === 0x22) break;
        else i++;
      }
      i++;
      continue;
    }
    if (c !== 0x2d && !isDigit(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === 0x2d) i++;
    while (i < n && isDigit(text.charCodeAt(i))) i++;
    let plain = true;
    if (i < n && text.charCodeAt(i) === 0x2e) {
      plain = false;
      i++;
      while (i < n && isDigit(text.charCodeAt(i))) i++;
    }
    if (i < n && (text.charCodeAt(i) | 0x20) === 0x65) {
      plain = false;
      i++;
      if (i < n && (text.charCodeAt(i) === 0x2b || text.charCodeAt(i) === 0x2d)) i++;
      while (i < n && isDigit(text.charCodeAt(i))) i++;
    }
    const token = text.slice(start, i);
    if (!misrepresented(token, plain)) continue;
    out = (out ?? '') + text.slice(copied, start) + JSON.stringify(MARK + token);
    copied = i;
  }
  return out === null ? null : out + text.slice(copied);
}

/** Whether JSON.parse gives an integer that `token` does not denote exactly, or one past the safe range. */
function misrepresented(token: string, plain: boolean): boolean {
  const v = Number(token);
  if (!Number.isInteger(v)) return false; // NaN (a malformed token: JSON.parse says so), Infinity, or a true fraction
  if (!Number.isSafeInteger(v)) return true;
  return !plain && exactInteger(token) !== BigInt(v);
}

/** The integer a decimal token denotes, or null when it denotes a non-integer. */
function exactInteger(token: string): bigint | null {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(token);
  if (m === null) return null;
  const digits = `${m[2]}${m[3] ?? ''}`.replace(/^0+/, '');
  if (digits === '') return 0n;
  const trimmed = digits.replace(/0+$/, '');
  // The value is trimmed × 10^exp; an exponent this large would not have given a safe integer.
  const exp = Number(m[4] ?? 0) - (m[3]?.length ?? 0) + (digits.length - trimmed.length);
  if (exp < 0 || exp > 400) return null;
  const v = BigInt(trimmed) * 10n ** BigInt(exp);
  return m[1] === '-' ? -v : v;
}
