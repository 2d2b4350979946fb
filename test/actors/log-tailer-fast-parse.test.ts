// The LogTailer reads the canonical line straight from its bytes (sources/log-parse.ts). That fast
// path may only ever accept what checkLine (domain/validate.ts, the contract's validation) accepts,
// with the same values: here every one-byte mutation, cut and odd value of canonical lines is put
// to both.
import test from 'ava';
import { exactlySpaced, parseCanonical, parsed } from '../../src/sources/log/parse.ts';
import { checkLine } from '../../src/domain/validate.ts';

const line = (id: string, s: string, l: string, p: string, f: string, ts: string) =>
  `{"id": "${id}", "student_id": ${s}, "lesson_id": ${l}, "passing_count": ${p}, "failure_count": ${f}, "created_at": "${ts}"}`;

const BASE = [
  line('tr-000000042', '42', '17', '12', '0', '2024-03-02T10:00:00.000Z'),
  // Compact JSON, and tabs and extra spaces between tokens, also take the fast path.
  line('tr-7', '7', '3', '1', '0', '2024-03-02T10:00:00.000Z').replace(/": /g, '":').replace(/, "/g, ',"'),
  line('tr-8', '8', '3', '1', '0', '2024-03-02T10:00:00.000Z').replace(/": /g, '"\t:  ').replace('{', ' { ').replace(/"}$/, '" } '),
  line('x', '0', '0', '0', '0', '2024-02-29T23:59:59.999Z'),
  line('tr-1', '999999999999999', '65535', '7', '3', '1999-12-31T00:00:00.000Z'),
  // Values padded to a fixed width after compact and after spaced keys (bench/workers/appender.mjs).
  line('bg-000000000001', '     42', '   1017', ' 3', '2', '2024-03-02T10:00:00.000Z').replace(/": /g, '":').replace(/, "/g, ',"'),
  line('bg-000000000002', '   42', '  1017', '  12', '0', '2024-03-02T10:00:00.000Z'),
];

const ODD = [
  line('tr-1', '9999999999999999', '1', '1', '0', '2024-01-01T00:00:00.000Z'), // 16 digits
  line('tr-1', '-1', '1', '1', '0', '2024-01-01T00:00:00.000Z'),
  line('tr-1', '1', '1', '-1', '0', '2024-01-01T00:00:00.000Z'),
  line('tr-1', '-0', '1', '1', '0', '2024-01-01T00:00:00.000Z'),
  line('tr-1', '01', '1', '1', '0', '2024-01-01T00:00:00.000Z'),
  line('tr-1', '1.0', '1', '1', '0', '2024-01-01T00:00:00.000Z'),
  line('tr-1', '1e2', '1', '1', '0', '2024-01-01T00:00:00.000Z'),
  line('tr-1', '1', '1', '1', '0', '2023-02-29T00:00:00.000Z'),
  line('tr-1', '1', '1', '1', '0', '2024-02-30T00:00:00.000Z'),
  line('tr-1', '1', '1', '1', '0', '2024-13-01T00:00:00.000Z'),
  line('tr-1', '1', '1', '1', '0', '2024-01-01T24:00:00.000Z'),
  line('tr-1', '1', '1', '1', '0', '2024-01-01T23:60:00.000Z'),
  line('tr-1', '1', '1', '1', '0', '2024-01-01T23:59:60.000Z'),
  line('tr-1', '1', '1', '1', '0', '0000-01-01T00:00:00.000Z'),
  line('tr-1', '1', '1', '1', '0', '2024-01-01T00:00:00.000+'),
  line('', '1', '1', '1', '0', '2024-01-01T00:00:00.000Z'),
  line('a\\"b', '1', '1', '1', '0', '2024-01-01T00:00:00.000Z'),
  line('a\\u0041', '1', '1', '1', '0', '2024-01-01T00:00:00.000Z'),
  line('Zoë', '1', '1', '1', '0', '2024-01-01T00:00:00.000Z'),
  line('a\tb', '1', '1', '1', '0', '2024-01-01T00:00:00.000Z'),
  line('x'.repeat(65_536), '1', '1', '1', '0', '2024-01-01T00:00:00.000Z'), // over 64 KiB
  line('x'.repeat(65_536 - 150), '1', '1', '1', '0', '2024-01-01T00:00:00.000Z'),
];

/** What each reader makes of `text` (one line, without its \n); `spaced`: the exactly spaced path alone. */
function both(text: string, spaced = false): { fast: number[] | null; slow: number[] | null } {
  const bytes = Buffer.from(text + '\n');
  const end = (spaced ? exactlySpaced : parseCanonical)(bytes, 0, bytes.length);
  const fast = end >= 0 ? [end, parsed.student, parsed.lesson, parsed.passing, parsed.failure, parsed.ms] : null;
  const r = checkLine(text);
  const slow = r.kind === 'run' ? [bytes.length - 1, r.run.student_id, r.run.lesson_id, r.run.passing_count, r.run.failure_count, Date.parse(r.run.created_at)] : null;
  return { fast, slow };
}

test('compact and spaced lines take the fast path too; the lines as the simulator prints them, its exactly spaced path', (t) => {
  for (const text of BASE) t.not(both(text).fast, null, text);
  for (const text of [BASE[0]!, BASE[3]!, BASE[4]!]) t.not(both(text, true).fast, null, `exactly spaced: ${text}`);
  for (const text of [BASE[1]!, BASE[2]!, BASE[5]!, BASE[6]!]) t.is(both(text, true).fast, null, `not exactly spaced: ${text}`);
});

test('the canonical fast path accepts only what checkLine accepts, with the same values', (t) => {
  const texts = [...BASE, ...ODD];
  // Every byte of each base line replaced by a few others, removed, or the line cut there.
  const swaps = ['', ' ', '"', '\\', '0', '9', '-', 'a', '}', '{', ',', ':', '\r', '\u00e9'];
  for (const base of BASE) {
    for (let i = 0; i < base.length; i++) {
      for (const c of swaps) texts.push(base.slice(0, i) + c + base.slice(i + 1));
      texts.push(base.slice(0, i));
      texts.push(base.slice(0, i) + ' ' + base.slice(i));
    }
    texts.push(base + '\r', base + ' ', ' ' + base, base + base);
  }
  let accepted = 0;
  let spaced = 0;
  for (const text of texts) {
    const { fast, slow } = both(text);
    if (fast !== null) {
      accepted++;
      t.deepEqual(fast, slow, `the fast path read ${JSON.stringify(text.slice(0, 200))} as checkLine does`);
    }
    // The exactly spaced path alone, too: parseCanonical falls back on the other one.
    const alone = both(text, true).fast;
    if (alone !== null) {
      spaced++;
      t.deepEqual(alone, slow, `the exactly spaced path read ${JSON.stringify(text.slice(0, 200))} as checkLine does`);
    }
  }
  t.true(spaced >= 3, 'the exactly spaced path takes the spaced lines');
  t.true(accepted >= BASE.length + 1, 'and it does take the canonical lines');
  for (const text of BASE) t.not(both(text).fast, null, `fast path taken for ${text}`);
  // The line over 64 KiB is for checkLine to reject.
  t.is(both(ODD[20]!).fast, null);
  t.not(both(ODD[21]!).fast, null);
});

test('a line cut anywhere by the end of the data is never taken by the fast path', (t) => {
  for (const base of BASE) {
    const bytes = Buffer.from(base + '\n');
    for (let end = 0; end < bytes.length; end++) {
      t.is(parseCanonical(bytes, 0, end), -1, `${base} cut at ${end}`);
      t.is(exactlySpaced(bytes, 0, end), -1, `${base} cut at ${end}, the exactly spaced path`);
    }
    t.is(parseCanonical(bytes, 0, bytes.length), bytes.length - 1);
  }
});

test('lines one after another in one buffer, spaced and compact, dates changing and coming back: each read with its own time', (t) => {
  // Both spellings share the last valid date (a line's date is read digit by digit only when it
  // differs): a date one of them took must never stand for another date in the other.
  const dates = ['2024-03-02', '2024-03-03', '2024-03-02', '2023-02-28', '2024-02-29', '2024-02-29', '2024-03-02'];
  const texts: string[] = [];
  for (const [i, d] of dates.entries()) {
    const spaced = line(`tr-${i}`, String(i), '3', '1', '0', `${d}T0${i}:0${i}:59.12${i}Z`);
    texts.push(spaced, spaced.replace(/": /g, '":').replace(/, "/g, ',"'));
  }
  const bytes = Buffer.from(texts.join('\n') + '\n');
  let at = 0;
  for (const text of texts) {
    const end = parseCanonical(bytes, at, bytes.length);
    t.is(end, at + Buffer.byteLength(text), text);
    t.is(parsed.ms, Date.parse(JSON.parse(text).created_at), text);
    at = end + 1;
  }
});
