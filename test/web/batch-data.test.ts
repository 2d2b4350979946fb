// The batch page's numbers and CSV, from the functions that make them: the daily series is
// cumulative, in UTC days, one entry per day it changes; CSV cells are quoted and formulas neutralised.
import test from 'ava';
import type { DetailStudent } from '../../src/storage/detail.ts';
import { batchCsv, csvCell, dailySeries } from '../../src/web/batch-data.ts';
import { parseCsv } from './http.ts';

const student = (id: number, qualified_at: string | null): DetailStudent => ({ id, name: `s${id}`, email: null, created_at: '2024-01-01T00:00:00.000Z', completed: qualified_at === null ? 1 : 3, qualified_at, lessons: [] });

test('the daily series counts students qualified on or before each UTC day, on the days it changes', (t) => {
  t.deepEqual(dailySeries([student(1, null)]), []);
  const series = dailySeries([
    student(1, '2024-02-28T23:59:59.999Z'),
    student(2, '2024-03-02T00:00:00.000Z'),
    student(3, null),
    student(4, '2024-03-02T23:00:00.000Z'),
    student(5, '2024-02-28T00:00:00.000Z'),
  ]);
  t.deepEqual(series, [
    { day: '2024-02-28', qualified: 2 },
    { day: '2024-03-02', qualified: 4 },
  ]);
  // A qualified_at in the year 9999 (a log line can say so) is one more entry, not millions.
  t.deepEqual(dailySeries([student(1, '2024-02-28T00:00:00.000Z'), student(2, '9999-12-31T23:59:59.999Z')]), [
    { day: '2024-02-28', qualified: 1 },
    { day: '9999-12-31', qualified: 2 },
  ]);
});

test('a CSV cell is always quoted; one a spreadsheet would read as a formula starts with a quote mark', (t) => {
  t.is(csvCell('plain'), '"plain"');
  t.is(csvCell(12), '"12"');
  t.is(csvCell(null), '""');
  t.is(csvCell('say "hi", twice\nor not'), '"say ""hi"", twice\nor not"');
  for (const lead of ['=', '+', '-', '@', '\t', '\r']) t.is(csvCell(`${lead}1+1`), `"'${lead}1+1"`, JSON.stringify(lead));
  t.is(csvCell("'=already"), `"'=already"`, 'a leading quote mark is text already');
  const csv = batchCsv({
    id: 7,
    batch: null,
    rank: null,
    minLessons: 3,
    students: [{ ...student(1, '2024-03-01T10:00:00.000Z'), lessons: [{ lesson: 4, at: '2024-02-01T00:00:00.000Z' }, { lesson: 2, at: '2024-02-03T00:00:00.000Z' }] }],
  });
  t.deepEqual(parseCsv(csv), [
    ['id', 'name', 'email', 'created_at', 'completed', 'qualified_at', 'lessons'],
    ['1', 's1', '', '2024-01-01T00:00:00.000Z', '3', '2024-03-01T10:00:00.000Z', '4@2024-02-01T00:00:00.000Z;2@2024-02-03T00:00:00.000Z'],
  ]);
  t.true(csv.endsWith('\r\n'));
});
