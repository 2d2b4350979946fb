// Validation at the edges (CONTRACTS §1-§3): what each source record must be, and the exact reason
// a bad one is rejected with (the reason is stored in rejected_records and shown to users).
// Numbers past 2^53 written in JSON are json-exact.test.ts's subject; here only their bigint
// form (an SQLite INTEGER read exactly) and one JSON case per field kind.
import test from 'ava';
import { ExactNumber } from '../../src/domain/json-exact.ts';
import {
  MAX_LINE_BYTES,
  checkBatch,
  checkLine,
  checkRun,
  checkStudent,
  isDate,
  isTimestamp,
} from '../../src/domain/validate.ts';

const TS = '2024-03-02T10:00:00.000Z';
const BAD_TS = 'created_at is not YYYY-MM-DDTHH:MM:SS.sssZ';
const UNSAFE = (field: string, v: string) => `${field} ${v} is not an integer within ±9007199254740991 (it cannot be held exactly)`;

// ---------------------------------------------------------------- timestamps and dates

/** What the contract means by a timestamp: one that new Date() gives back unchanged. */
const roundTrips = (v: string): boolean => {
  const d = new Date(v);
  return !Number.isNaN(d.getTime()) && d.toISOString() === v;
};

test('isTimestamp takes real instants written YYYY-MM-DDTHH:MM:SS.sssZ', (t) => {
  for (const v of [
    TS,
    '2024-02-29T12:00:00.000Z', // leap year
    '2000-02-29T00:00:00.000Z', // divisible by 400: leap
    '2023-12-31T23:59:59.999Z',
    '2024-01-01T00:00:00.000Z',
    '2024-04-30T08:30:15.250Z',
    '1970-01-01T00:00:00.000Z',
    '9999-12-31T23:59:59.999Z',
  ]) {
    t.true(isTimestamp(v), v);
  }
});

test('isTimestamp refuses instants that do not exist: 24:00, :60, Feb 30, Feb 29 of a common year, month 13', (t) => {
  for (const v of [
    '2024-03-02T24:00:00.000Z',
    '2024-03-02T23:60:00.000Z',
    '2024-03-02T23:59:60.000Z', // a leap second: Date has none
    '2024-02-30T00:00:00.000Z',
    '2023-02-29T00:00:00.000Z',
    '1900-02-29T00:00:00.000Z', // divisible by 100, not by 400: common
    '2100-02-29T00:00:00.000Z',
    '2024-04-31T00:00:00.000Z',
    '2024-06-31T00:00:00.000Z',
    '2024-09-31T00:00:00.000Z',
    '2024-11-31T00:00:00.000Z',
    '2024-01-32T00:00:00.000Z',
    '2024-00-10T00:00:00.000Z',
    '2024-13-01T00:00:00.000Z',
    '2024-03-00T00:00:00.000Z',
    '2024-03-02T99:00:00.000Z',
  ]) {
    t.false(isTimestamp(v), v);
  }
});

test('isTimestamp refuses any other writing of an instant, and non-strings', (t) => {
  for (const v of [
    '2024-03-02T10:00:00Z', // no milliseconds
    '2024-03-02T10:00:00.00Z',
    '2024-03-02T10:00:00.0000Z',
    '2024-03-02T10:00:00.000', // no Z
    '2024-03-02T10:00:00.000+00:00',
    '2024-03-02 10:00:00.000Z',
    '2024-03-02t10:00:00.000z',
    '2024-3-2T10:00:00.000Z',
    '+002024-03-02T10:00:00.000Z',
    ' 2024-03-02T10:00:00.000Z',
    `${TS}\n`,
    `${TS} `,
    '2024-03-02',
    '２０２４-03-02T10:00:00.000Z', // full-width digits
    '',
  ]) {
    t.false(isTimestamp(v), JSON.stringify(v));
  }
  for (const v of [null, undefined, 1_709_373_600_000, new Date(TS), [TS], { toString: () => TS }]) {
    t.false(isTimestamp(v), String(v));
  }
});

test('isTimestamp agrees with the Date round trip on every edge of the calendar and the clock', (t) => {
  let checked = 0;
  for (const year of ['0000', '1900', '1999', '2000', '2023', '2024', '2100', '2400']) {
    for (let month = 0; month <= 13; month++) {
      for (const day of [0, 1, 28, 29, 30, 31, 32]) {
        for (const time of ['00:00:00.000', '23:59:59.999', '24:00:00.000', '23:60:00.000', '23:59:60.000', '12:34:56.789']) {
          const v = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T${time}Z`;
          if (isTimestamp(v) !== roundTrips(v)) t.fail(`${v}: isTimestamp ${isTimestamp(v)}, Date round trip ${roundTrips(v)}`);
          checked++;
        }
      }
    }
  }
  t.is(checked, 8 * 14 * 7 * 6);
});

test('isDate takes real dates written YYYY-MM-DD, nothing else', (t) => {
  for (const v of ['2024-04-01', '2024-02-29', '2000-02-29', '2023-12-31']) t.true(isDate(v), v);
  for (const v of [
    '2023-02-29',
    '1900-02-29',
    '2024-02-30',
    '2024-04-31',
    '2024-13-01',
    '2024-00-01',
    '2024-01-00',
    '2024-4-1',
    '20240401',
    '2024-04-01T00:00:00.000Z',
    '2024-04-01 ',
    '',
  ]) {
    t.false(isDate(v), JSON.stringify(v));
  }
  for (const v of [null, undefined, 20240401, new Date('2024-04-01')]) t.false(isDate(v), String(v));
});

// ---------------------------------------------------------------- §1 batches

const BATCH = { id: 7, name: 'nyc-web-040124', start_date: '2024-04-01', created_at: TS };

test('checkBatch: a valid entry becomes a Batch of its four fields; other keys are dropped', (t) => {
  t.deepEqual(checkBatch(BATCH), { ok: true, value: BATCH });
  t.deepEqual(checkBatch({ created_at: TS, extra: [1], start_date: '2024-04-01', name: 'nyc-web-040124', id: 7 }), { ok: true, value: BATCH });
  t.deepEqual(checkBatch({ ...BATCH, start_date: null }), { ok: true, value: { ...BATCH, start_date: null } });
  const { start_date: _omitted, ...noStart } = BATCH;
  t.deepEqual(checkBatch(noStart), { ok: true, value: { ...BATCH, start_date: null } }, 'an absent start_date is null');
  t.deepEqual(checkBatch({ ...BATCH, id: Number.MAX_SAFE_INTEGER }), { ok: true, value: { ...BATCH, id: Number.MAX_SAFE_INTEGER } });
});

test('checkBatch: each broken field is named', (t) => {
  const cases: Array<[unknown, string]> = [
    [null, 'not an object'],
    [[BATCH], 'not an object'],
    ['batch', 'not an object'],
    [7, 'not an object'],
    [undefined, 'not an object'],
    [{ ...BATCH, id: 0 }, 'id is not a positive integer'],
    [{ ...BATCH, id: -7 }, 'id is not a positive integer'],
    [{ ...BATCH, id: 7.5 }, 'id is not a positive integer'],
    [{ ...BATCH, id: '7' }, 'id is not a positive integer'],
    [{ ...BATCH, id: null }, 'id is not a positive integer'],
    [{ ...BATCH, id: undefined }, 'id is not a positive integer'],
    [{ ...BATCH, id: Infinity }, 'id is not a positive integer'],
    [{ ...BATCH, id: 2 ** 53 }, 'id is not a positive integer'],
    [{ ...BATCH, id: new ExactNumber('-9007199254740993') }, UNSAFE('id', '-9007199254740993')],
    [{ ...BATCH, name: '' }, 'name is not a non-empty string'],
    [{ ...BATCH, name: 7 }, 'name is not a non-empty string'],
    [{ ...BATCH, name: null }, 'name is not a non-empty string'],
    [{ ...BATCH, name: undefined }, 'name is not a non-empty string'],
    [{ ...BATCH, start_date: '2024-02-30' }, 'start_date is neither null nor YYYY-MM-DD'],
    [{ ...BATCH, start_date: '2024-04-01T00:00:00.000Z' }, 'start_date is neither null nor YYYY-MM-DD'],
    [{ ...BATCH, start_date: 20240401 }, 'start_date is neither null nor YYYY-MM-DD'],
    [{ ...BATCH, start_date: '' }, 'start_date is neither null nor YYYY-MM-DD'],
    [{ ...BATCH, created_at: '2024-03-02T10:00:00Z' }, BAD_TS],
    [{ ...BATCH, created_at: null }, BAD_TS],
    [{ ...BATCH, created_at: undefined }, BAD_TS],
    [{ ...BATCH, created_at: Date.parse(TS) }, BAD_TS],
  ];
  for (const [b, reason] of cases) t.deepEqual(checkBatch(b), { ok: false, reason }, JSON.stringify(b) ?? String(b));
});

test('checkBatch: with several fields broken, the first in contract order is named', (t) => {
  t.deepEqual(checkBatch({ id: 0, name: '', start_date: 'x', created_at: 'y' }), { ok: false, reason: 'id is not a positive integer' });
  t.deepEqual(checkBatch({ id: 1, name: '', start_date: 'x', created_at: 'y' }), { ok: false, reason: 'name is not a non-empty string' });
  t.deepEqual(checkBatch({ id: 1, name: 'n', start_date: 'x', created_at: 'y' }), { ok: false, reason: 'start_date is neither null nor YYYY-MM-DD' });
});

// ---------------------------------------------------------------- §2 students

const STUDENT = { id: 42, name: 'Ada', email: 'ada@example.com', batch_id: 7, created_at: TS };

test('checkStudent: a valid row becomes a Student; email may be NULL; other columns are dropped', (t) => {
  t.deepEqual(checkStudent(STUDENT), { ok: true, value: STUDENT });
  t.deepEqual(checkStudent({ ...STUDENT, email: null }), { ok: true, value: { ...STUDENT, email: null } });
  const { email: _omitted, ...noEmail } = STUDENT;
  t.deepEqual(checkStudent(noEmail), { ok: true, value: { ...STUDENT, email: null } }, 'an absent email is null');
  t.deepEqual(checkStudent({ ...STUDENT, extra: 'x' }), { ok: true, value: STUDENT });
  // The contract asks TEXT NOT NULL, not non-empty; and INTEGER, not positive.
  t.deepEqual(checkStudent({ ...STUDENT, name: '', email: '' }), { ok: true, value: { ...STUDENT, name: '', email: '' } });
  t.deepEqual(checkStudent({ ...STUDENT, id: -3, batch_id: 0 }), { ok: true, value: { ...STUDENT, id: -3, batch_id: 0 } });
  for (const id of [Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER]) {
    t.deepEqual(checkStudent({ ...STUDENT, id }), { ok: true, value: { ...STUDENT, id } });
  }
});

test('checkStudent: an INTEGER past 2^53, read exactly as a bigint, is rejected under its exact value', (t) => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ ...STUDENT, id: 9007199254740993n }, UNSAFE('id', '9007199254740993')],
    [{ ...STUDENT, id: 2n ** 53n }, UNSAFE('id', '9007199254740992')],
    [{ ...STUDENT, id: -(2n ** 63n) }, UNSAFE('id', '-9223372036854775808')],
    [{ ...STUDENT, id: 2n ** 63n - 1n }, UNSAFE('id', '9223372036854775807')],
    [{ ...STUDENT, batch_id: 9007199254740993n }, UNSAFE('batch_id', '9007199254740993')],
  ];
  for (const [row, reason] of cases) t.deepEqual(checkStudent(row), { ok: false, reason }, reason);
  // Two ids JavaScript numbers cannot tell apart stay apart.
  t.not(
    (checkStudent({ ...STUDENT, id: 9007199254740992n }) as { reason: string }).reason,
    (checkStudent({ ...STUDENT, id: 9007199254740993n }) as { reason: string }).reason,
  );
});

test('checkStudent: a row whose values break the column types is rejected, naming the column', (t) => {
  const blob = Buffer.from('Ada');
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ ...STUDENT, id: 4.5 }, 'id is not an INTEGER'],
    [{ ...STUDENT, id: '42' }, 'id is not an INTEGER'],
    [{ ...STUDENT, id: null }, 'id is not an INTEGER'],
    [{ ...STUDENT, id: undefined }, 'id is not an INTEGER'],
    [{ ...STUDENT, name: null }, 'name is not TEXT'],
    [{ ...STUDENT, name: 7 }, 'name is not TEXT'],
    [{ ...STUDENT, name: blob }, 'name is not TEXT'],
    [{ ...STUDENT, email: 7 }, 'email is neither TEXT nor NULL'],
    [{ ...STUDENT, email: blob }, 'email is neither TEXT nor NULL'],
    [{ ...STUDENT, batch_id: '7' }, 'batch_id is not an INTEGER'],
    [{ ...STUDENT, batch_id: 7.25 }, 'batch_id is not an INTEGER'],
    [{ ...STUDENT, batch_id: null }, 'batch_id is not an INTEGER'],
    [{ ...STUDENT, batch_id: blob }, 'batch_id is not an INTEGER'],
    [{ ...STUDENT, created_at: '2024-03-02 10:00:00' }, BAD_TS],
    [{ ...STUDENT, created_at: '2023-02-29T10:00:00.000Z' }, BAD_TS],
    [{ ...STUDENT, created_at: 1_709_373_600_000 }, BAD_TS],
    [{ ...STUDENT, created_at: null }, BAD_TS],
  ];
  for (const [row, reason] of cases) t.deepEqual(checkStudent(row), { ok: false, reason }, `${reason}: ${String(Object.values(row))}`);
  // Several columns broken: the first in table order is named.
  t.deepEqual(checkStudent({ id: 'x', name: null, email: 1, batch_id: 'y', created_at: 'z' }), { ok: false, reason: 'id is not an INTEGER' });
  t.deepEqual(checkStudent({ id: 1, name: 'n', email: 1, batch_id: 'y', created_at: 'z' }), { ok: false, reason: 'email is neither TEXT nor NULL' });
});

// ---------------------------------------------------------------- §3 test_runs.log

const RUN = { id: 'tr-000000042', student_id: 42, lesson_id: 17, passing_count: 12, failure_count: 0, created_at: TS };
const LINE = JSON.stringify(RUN);
const FIELDS = ['id', 'student_id', 'lesson_id', 'passing_count', 'failure_count', 'created_at'] as const;

test('checkLine: a valid line is a run; \\r\\n endings and JSON white space are tolerated', (t) => {
  t.deepEqual(checkLine(LINE), { kind: 'run', run: RUN });
  t.deepEqual(checkLine(`${LINE}\r`), { kind: 'run', run: RUN }, 'the \\r of a \\r\\n ending');
  const spaced = ' \t{ "id" :\t"tr-000000042" ,\r\n "student_id": 42,"lesson_id" : 17 , "passing_count":12,\n"failure_count":0, "created_at":"2024-03-02T10:00:00.000Z" } ';
  t.deepEqual(checkLine(spaced), { kind: 'run', run: RUN });
});

test('checkLine: blank lines are skipped, not rejected', (t) => {
  t.deepEqual(checkLine(''), { kind: 'blank' });
  t.deepEqual(checkLine('\r'), { kind: 'blank' }, 'an empty line ending in \\r\\n');
});

test('checkLine: keys in any order; other keys, of any type, are ignored', (t) => {
  const reversed = `{${FIELDS.map((f) => `${JSON.stringify(f)}:${JSON.stringify(RUN[f])}`).reverse().join(',')}}`;
  t.deepEqual(checkLine(reversed), { kind: 'run', run: RUN });
  const extra = JSON.stringify({ note: 'retry', created_at: TS, nested: { id: 9, student_id: 'x' }, failure_count: 0, list: [1, null], passing_count: 12, lesson_id: 17, student_id: 42, id: 'tr-000000042', flag: true, nothing: null });
  t.deepEqual(checkLine(extra), { kind: 'run', run: RUN });
});

test('checkLine: text that is not JSON, or JSON that is not an object', (t) => {
  for (const line of ['not json', '{"id": "tr-1",', LINE.slice(0, -1), `${LINE}}`, `${LINE} ${LINE}`, "{'id': 'tr-1'}", '{id: "tr-1"}', '\u0000']) {
    t.deepEqual(checkLine(line), { kind: 'bad', reason: 'not JSON' }, line);
  }
  for (const line of ['[]', `[${LINE}]`, '42', '"tr-1"', 'null', 'true', '-0']) {
    t.deepEqual(checkLine(line), { kind: 'bad', reason: 'not a JSON object' }, line);
  }
});

test('checkLine: each missing field is named; the first missing in contract order', (t) => {
  for (const field of FIELDS) {
    const { [field]: _omitted, ...rest } = RUN;
    t.deepEqual(checkLine(JSON.stringify(rest)), { kind: 'bad', reason: `field '${field}' missing` }, field);
  }
  t.deepEqual(checkLine('{}'), { kind: 'bad', reason: "field 'id' missing" });
  // A "__proto__" key is a key like another: it cannot lend the line its fields.
  t.deepEqual(checkLine(JSON.stringify({ ...RUN, id: undefined }).replace('{', '{"__proto__":{"id":"tr-1"},')), {
    kind: 'bad',
    reason: "field 'id' missing",
  });
  t.deepEqual(checkLine('{"id": "tr-1", "failure_count": 0}'), { kind: 'bad', reason: "field 'student_id' missing" });
  // A missing field is reported before a present one of the wrong type.
  t.deepEqual(checkLine(JSON.stringify({ ...RUN, id: 7, created_at: undefined })), { kind: 'bad', reason: "field 'created_at' missing" });
});

test('checkLine: a field of the wrong type is named', (t) => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ id: 42 }, 'id is not a non-empty string'],
    [{ id: '' }, 'id is not a non-empty string'],
    [{ id: null }, 'id is not a non-empty string'],
    [{ id: ['tr-1'] }, 'id is not a non-empty string'],
    [{ student_id: '42' }, 'student_id is not an integer'],
    [{ student_id: 42.5 }, 'student_id is not an integer'],
    [{ student_id: null }, 'student_id is not an integer'],
    [{ student_id: true }, 'student_id is not an integer'],
    [{ lesson_id: '17' }, 'lesson_id is not an integer'],
    [{ lesson_id: { n: 17 } }, 'lesson_id is not an integer'],
    [{ passing_count: '12' }, 'passing_count is not an integer'],
    [{ passing_count: 0.5 }, 'passing_count is not an integer'],
    [{ passing_count: null }, 'passing_count is not an integer'],
    [{ failure_count: false }, 'failure_count is not an integer'],
    [{ failure_count: [0] }, 'failure_count is not an integer'],
    [{ created_at: '2024-03-02T10:00:00Z' }, BAD_TS],
    [{ created_at: '2024-02-30T10:00:00.000Z' }, BAD_TS],
    [{ created_at: '2024-03-02T24:00:00.000Z' }, BAD_TS],
    [{ created_at: 1_709_373_600_000 }, BAD_TS],
    [{ created_at: null }, BAD_TS],
    [{ created_at: '' }, BAD_TS],
  ];
  for (const [change, reason] of cases) {
    const line = JSON.stringify({ ...RUN, ...change });
    t.deepEqual(checkLine(line), { kind: 'bad', reason }, line);
  }
  // Past 2^53 in the JSON: named with the value as written (json-exact.test.ts has the rest).
  t.deepEqual(checkLine(LINE.replace('"student_id":42', '"student_id":9007199254740993')), {
    kind: 'bad',
    reason: UNSAFE('student_id', '9007199254740993'),
  });
});

test('checkLine: a negative count is bad; negative ids are not counts', (t) => {
  t.deepEqual(checkLine(JSON.stringify({ ...RUN, passing_count: -1 })), { kind: 'bad', reason: 'negative count' });
  t.deepEqual(checkLine(JSON.stringify({ ...RUN, failure_count: -3 })), { kind: 'bad', reason: 'negative count' });
  t.deepEqual(checkLine(JSON.stringify({ ...RUN, passing_count: 0, failure_count: 0 })), { kind: 'run', run: { ...RUN, passing_count: 0 } });
  t.deepEqual(checkLine(JSON.stringify({ ...RUN, student_id: -42, lesson_id: -17 })), { kind: 'run', run: { ...RUN, student_id: -42, lesson_id: -17 } });
  // The count's type is checked before its sign, the sign before the timestamp.
  t.deepEqual(checkLine(JSON.stringify({ ...RUN, passing_count: -1, failure_count: 'x' })), { kind: 'bad', reason: 'failure_count is not an integer' });
  t.deepEqual(checkLine(JSON.stringify({ ...RUN, passing_count: -1, created_at: 'x' })), { kind: 'bad', reason: 'negative count' });
});

/** A valid run line of exactly `bytes` UTF-8 bytes, padded in an ignored key with `unit` (1-4 bytes) and ASCII. */
function lineOfBytes(bytes: number, unit = 'a'): string {
  const base = JSON.stringify({ ...RUN, pad: '' });
  const room = bytes - Buffer.byteLength(base);
  const unitBytes = Buffer.byteLength(unit);
  const units = Math.floor(room / unitBytes);
  const line = JSON.stringify({ ...RUN, pad: unit.repeat(units) + 'a'.repeat(room - units * unitBytes) });
  if (Buffer.byteLength(line) !== bytes) throw new Error(`built ${Buffer.byteLength(line)} bytes, not ${bytes}`);
  return line;
}

const OVER = { kind: 'bad', reason: 'line over 65536 bytes' };

test('checkLine: a line of exactly 65,536 bytes is read; one byte more is bad', (t) => {
  t.is(MAX_LINE_BYTES, 65_536);
  for (const unit of ['a', 'é', '€', '😀']) {
    const atLimit = lineOfBytes(MAX_LINE_BYTES, unit);
    const over = lineOfBytes(MAX_LINE_BYTES + 1, unit);
    const name = `padded with ${unit}`;
    t.like(checkLine(atLimit), { kind: 'run', run: RUN }, name);
    t.deepEqual(checkLine(over), OVER, name);
    // The caller may give the size it knows; a \r of \r\n does not count.
    t.like(checkLine(atLimit, MAX_LINE_BYTES), { kind: 'run' }, name);
    t.deepEqual(checkLine(over, MAX_LINE_BYTES + 1), OVER, name);
    t.like(checkLine(`${atLimit}\r`), { kind: 'run' }, name);
    t.like(checkLine(`${atLimit}\r`, MAX_LINE_BYTES + 1), { kind: 'run' }, name);
    t.deepEqual(checkLine(`${over}\r`), OVER, name);
    t.deepEqual(checkLine(`${over}\r`, MAX_LINE_BYTES + 2), OVER, name);
  }
  // Bytes, not characters: 21,846 three-byte characters are 65,538 bytes in a 21,850-character line.
  const wide = `"${'€'.repeat(21_846)}"`;
  t.true(wide.length < MAX_LINE_BYTES);
  t.deepEqual(checkLine(wide), OVER);
  // The size is checked before the JSON: a long line of anything is "over", not "not JSON".
  t.deepEqual(checkLine('x'.repeat(MAX_LINE_BYTES + 1)), OVER);
  t.deepEqual(checkLine('x'.repeat(MAX_LINE_BYTES)), { kind: 'bad', reason: 'not JSON' });
});

test('checkRun: the same rules on a parsed value', (t) => {
  t.deepEqual(checkRun(RUN), { kind: 'run', run: RUN });
  t.deepEqual(checkRun({ ...RUN, extra: () => 1 }), { kind: 'run', run: RUN });
  for (const v of [null, undefined, [RUN], 'x', 0, true]) t.deepEqual(checkRun(v), { kind: 'bad', reason: 'not a JSON object' }, String(v));
  t.deepEqual(checkRun({ ...RUN, lesson_id: new ExactNumber('1e300') }), { kind: 'bad', reason: UNSAFE('lesson_id', '1e300') });
  t.deepEqual(checkRun({ ...RUN, failure_count: new ExactNumber('9007199254740993') }), {
    kind: 'bad',
    reason: UNSAFE('failure_count', '9007199254740993'),
  });
  t.deepEqual(checkRun({ ...RUN, passing_count: Number.MAX_SAFE_INTEGER + 1 }), { kind: 'bad', reason: 'passing_count is not an integer' });
});

test('checkRun: a key present with no valid value (undefined, which no JSON text gives) is "not valid", not missing', (t) => {
  for (const field of FIELDS) {
    t.deepEqual(checkRun({ ...RUN, [field]: undefined }), { kind: 'bad', reason: `${field} is not valid` }, field);
  }
});
