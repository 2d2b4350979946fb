// The keys under which a rejected record is stored once (rejected_records.key): the same record
// seen again (a batch re-served, a line read again after a crash) gets the same key, a different
// one a different key. Keys are stored in warehouses: the pinned values below must not change
// between versions, or every old rejection would be stored a second time.
import test from 'ava';
import { batchRejectKey, lineRejectKey, studentRejectKey } from '../../src/domain/keys.ts';

const RAW = '{"id":7,"name":"","start_date":null,"created_at":"2024-03-02T10:00:00.000Z"}';

test('batchRejectKey: the same JSON text gives the same key, in this and every later version', (t) => {
  t.is(batchRejectKey(RAW), batchRejectKey(String(RAW)));
  t.is(batchRejectKey(RAW), batchRejectKey(RAW.slice(0, 10) + RAW.slice(10)), 'equal text from different strings');
  // sha1, base64url, first 16 characters: pinned.
  t.is(batchRejectKey(RAW), 'nyV3b8bNHarqvYO1');
  t.is(batchRejectKey(''), '2jmj7l5rSw0yVb_v');
  t.regex(batchRejectKey('{"id":-1}'), /^[A-Za-z0-9_-]{16}$/);
});

test('batchRejectKey: different text gives a different key, down to one character', (t) => {
  const variants = [
    RAW,
    RAW.replace('"id":7', '"id":8'),
    RAW.replace('"name":""', '"name":" "'),
    RAW.replace(':null', ': null'), // the same JSON value, written differently: another text
    RAW + '\n',
    RAW.replace('.000Z', '.001Z'),
    RAW.toUpperCase(),
    RAW.replace('""', '"é"'),
    RAW.replace('""', '"e\u0301"'), // the same letter, decomposed
  ];
  t.is(new Set(variants.map(batchRejectKey)).size, variants.length);
  const many = Array.from({ length: 20_000 }, (_, i) => `{"id":${i},"name":""}`);
  t.is(new Set(many.map(batchRejectKey)).size, many.length, 'no two of 20,000 near-identical entries share a key');
});

test('studentRejectKey: the id itself, exact also past 2^53', (t) => {
  t.is(studentRejectKey(42), '42');
  t.is(studentRejectKey(-3), '-3');
  t.is(studentRejectKey(0), '0');
  t.is(studentRejectKey(Number.MAX_SAFE_INTEGER), '9007199254740991');
  t.is(studentRejectKey(9007199254740993n), '9007199254740993');
  t.is(studentRejectKey(-9007199254740993n), '-9007199254740993');
  t.is(studentRejectKey(2n ** 63n - 1n), '9223372036854775807');
  // Ids a number cannot tell apart are two keys as bigints.
  t.not(studentRejectKey(9007199254740992n), studentRejectKey(9007199254740993n));
  // A row read once as a number and once as a bigint (safe range) is one rejection.
  t.is(studentRejectKey(42n), studentRejectKey(42));
  t.is(studentRejectKey(BigInt(Number.MAX_SAFE_INTEGER)), studentRejectKey(Number.MAX_SAFE_INTEGER));
});

test('lineRejectKey: the file, the position and the text; the same three give the same key', (t) => {
  t.is(lineRejectKey(2049, 131074, 4096, 'not json'), '2049:131074@4096#7Q0SkmQ9ntgY2aGR');
  t.is(lineRejectKey(0, 0, 0, ''), '0:0@0#2jmj7l5rSw0yVb_v');
  t.is(lineRejectKey(2049, 131074, 4096, 'not json'), lineRejectKey(2049, 131074, 4096, 'not ' + 'json'));
  // Positions past 4 GiB and 2^32 inodes are written exactly.
  t.is(lineRejectKey(66306, 2 ** 33 + 1, 2 ** 40 + 7, 'x').split('#')[0], '66306:8589934593@1099511627783');
});

test('lineRejectKey: changing any one of device, inode, position or text changes the key', (t) => {
  const base = [2049, 131074, 4096, '{"id": "tr-1"'] as const;
  const changed: Array<[string, Parameters<typeof lineRejectKey>]> = [
    ['device', [2050, base[1], base[2], base[3]]],
    ['inode', [base[0], 131075, base[2], base[3]]],
    ['position', [base[0], base[1], 4097, base[3]]],
    ['position 0', [base[0], base[1], 0, base[3]]],
    // After a truncation another line can start at the same position of the same file.
    ['text', [base[0], base[1], base[2], '{"id": "tr-2"']],
    ['text, one trailing space', [base[0], base[1], base[2], '{"id": "tr-1" ']],
  ];
  const key = lineRejectKey(...base);
  const keys = changed.map(([what, args]) => {
    const k = lineRejectKey(...args);
    t.not(k, key, what);
    return k;
  });
  t.is(new Set(keys).size, keys.length, 'and each change gives its own key');
  // The fields cannot run into each other: (1, 23) and (12, 3) are two files.
  t.not(lineRejectKey(1, 23, 4, 'x'), lineRejectKey(12, 3, 4, 'x'));
  t.not(lineRejectKey(1, 2, 34, 'x'), lineRejectKey(1, 23, 4, 'x'));
});
