// JSON numbers JSON.parse would misrepresent are kept as written (ExactNumber), so that a record
// holding one is rejected under its true value and never taken for another valid id.
import test from 'ava';
import { ExactNumber, mayHoldInexact, parseJsonExact, stringifyExact } from '../../src/domain/json-exact.ts';
import { checkBatch, checkLine } from '../../src/domain/validate.ts';

test('integers past ±(2^53 - 1) and non-integers that round to integers are kept as text', (t) => {
  const v = parseJsonExact('{"a": 9007199254740993, "b": -9007199254740993, "c": 12.0000000000000001, "d": 9007199254740991, "e": 1.5, "f": 1e2, "g": 1.0, "h": 100e-2, "i": 1e400, "s": "9007199254740993"}') as Record<string, unknown>;
  t.deepEqual(v['a'], new ExactNumber('9007199254740993'));
  t.deepEqual(v['b'], new ExactNumber('-9007199254740993'));
  t.deepEqual(v['c'], new ExactNumber('12.0000000000000001'));
  t.is(v['d'], 9007199254740991, 'the largest safe integer is a number');
  t.is(v['e'], 1.5, 'a true fraction stays a number (validation rejects it as not an integer)');
  t.is(v['f'], 100, '1e2 is exactly 100');
  t.is(v['g'], 1, '1.0 is exactly 1');
  t.is(v['h'], 1, '100e-2 is exactly 1');
  t.is(v['i'], Infinity);
  t.is(v['s'], '9007199254740993', 'strings are untouched');
});

test('stringifyExact writes ExactNumber and bigint back as the numbers they were', (t) => {
  const text = '{"id":9007199254740993,"x":[1.00000000000000001,2],"name":"a\\u0000b"}';
  t.is(stringifyExact(parseJsonExact(text)), text);
  t.is(stringifyExact({ id: 18446744073709551615n }), '{"id":18446744073709551615}');
  t.throws(() => parseJsonExact('{"a": 1'), { instanceOf: SyntaxError });
});

test('the cheap pre-check flags every line that may hold such a number', (t) => {
  for (const s of ['{"a":9007199254740993}', '{"a": 1.00000000000000001}', '[1e5]', '{"a":-3.5}']) t.true(mayHoldInexact(s), s);
  t.false(mayHoldInexact('{"id": "tr-1", "student_id": 42, "created_at": "2024-03-02T10:00:00.000Z"}'));
});

test('validation names the value as written', (t) => {
  const b = checkBatch(parseJsonExact('{"id": 9007199254740993, "name": "x", "start_date": null, "created_at": "2024-03-02T10:00:00.000Z"}'));
  t.deepEqual(b, { ok: false, reason: 'id 9007199254740993 is not an integer within ±9007199254740991 (it cannot be held exactly)' });
  const line = checkLine('{"id": "r", "student_id": 7, "lesson_id": 3.00000000000000001, "passing_count": 1, "failure_count": 0, "created_at": "2024-03-02T10:00:00.000Z"}');
  t.deepEqual(line, { kind: 'bad', reason: 'lesson_id 3.00000000000000001 is not an integer within ±9007199254740991 (it cannot be held exactly)' });
});
