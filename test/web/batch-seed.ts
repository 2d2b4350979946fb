// A warehouse for the batch page's browser test: two batches whose students qualify on different
// days (so that the chart has a shape), one of them with the hostile name, one student's name a
// script that would set a window flag if it ever ran. Written through the Aggregator's writer.
import type { ExecutionContext } from 'ava';
import { newWarehouse, type Backend } from '../backends.ts';
import { tempDir } from '../e2e/helpers.ts';
import { openWriter } from '../../src/storage/open-writer.ts';
import { emptyTx, type WarehouseWriter } from '../../src/storage/writer.ts';
import { completing, HOSTILE, type Run } from './helpers.ts';

export const FLAG_NAME = '<img src=x onerror="window.pwned=1">';
const at = (day: string) => `2024-03-${day}T12:00:00.000Z`;

/** Student id, batch, and the days (of March 2024) of its completed lessons, one lesson a day: the third is the day it qualifies. */
const PLAN: { id: number; batch: number; name: string; days: string[] }[] = [
  { id: 101, batch: 1, name: 'ada', days: ['01', '01', '02'] },
  { id: 102, batch: 1, name: 'brian', days: ['02', '03', '04'] },
  { id: 103, batch: 1, name: 'chen', days: ['03', '04'] },
  { id: 104, batch: 1, name: 'dora', days: [] },
  { id: 201, batch: 2, name: 'emil', days: ['01', '01', '01'] },
  { id: 202, batch: 2, name: 'fay', days: ['01', '02', '03'] },
  { id: 203, batch: 2, name: 'gus', days: ['02', '03', '03', '04'] },
  { id: 204, batch: 2, name: FLAG_NAME, days: ['05', '05', '05'] },
];

/** The day each qualifying student qualifies, by id. */
export const QUALIFIED_ON = new Map(PLAN.filter((s) => s.days.length >= 3).map((s) => [s.id, `2024-03-${s.days[2]}`]));

export async function seededDays(t: ExecutionContext, backend: Backend): Promise<{ warehouse: string; w: WarehouseWriter }> {
  const warehouse = await newWarehouse(t, backend, tempDir(t));
  const w = await openWriter(warehouse, { minLessons: 3, sources: 'batch-test', pipeline: 'batch-test' }, () => {});
  t.teardown(() => w.close());
  const created = at('01');
  await w.write({
    ...emptyTx(created),
    batches: [
      { id: 1, name: 'alpha', start_date: '2024-03-01', created_at: created },
      { id: 2, name: HOSTILE, start_date: '2024-03-01', created_at: created },
    ],
    students: PLAN.map((s) => ({ id: s.id, name: s.name, email: `${s.name}@example.com`, batch_id: s.batch, created_at: created })),
    completions: [completing(...PLAN.flatMap((s) => s.days.map((day, i): Run => [s.id, i + 1, at(day)])))],
  });
  return { warehouse, w };
}
