// `batchboard explain BATCH`: why a batch has its number (CONTRACTS §5): the batch, then each of its
// students with the lessons they completed (earliest first) and when they qualified. Read-only, from
// one committed state, on either backend.
import { readWarehouse } from '../storage/reader.ts';
import type { BatchDetail } from '../storage/detail.ts';
import { jsonVisible, visible } from '../runtime/text.ts';
import { CommandFailed, UsageError } from './errors.ts';
import { DEFAULT_WAREHOUSE, parseFlags, stringFlag } from './flags.ts';
import { formatTable } from './table.ts';

export const FLAGS_HELP = [
  'batchboard explain BATCH [--warehouse PATH|URL] [--json]',
  '  BATCH              the batch id',
  `  --warehouse PATH|URL  the warehouse: a SQLite file or postgres://USER@HOST[:PORT]/DB[?schema=S] (default ${DEFAULT_WAREHOUSE})`,
  '  --json             the batch, its rank and each student with its lessons ({lesson, at}) and qualified_at, as JSON',
].join('\n');

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags('explain', argv, { warehouse: { type: 'string' }, json: { type: 'boolean' } }, 1);
  const text = positionals[0];
  if (text === undefined) throw new UsageError('explain: name the batch by its id, e.g. batchboard explain 42');
  if (!/^-?[0-9]{1,16}$/.test(text) || !Number.isSafeInteger(Number(text))) throw new UsageError(`explain: BATCH must be a batch id (an integer), got '${visible(text)}'`);
  const id = Number(text);
  const warehouse = stringFlag('explain', values, 'warehouse') ?? DEFAULT_WAREHOUSE;
  const detail = await readWarehouse(warehouse, (r) => r.batchDetail(id));
  if (detail === null) throw new CommandFailed(`explain: batch ${id} is not in the warehouse (no batch row, and no student names it)`);
  process.stdout.write(values['json'] === true ? jsonVisible(JSON.stringify(detail, null, 2)) + '\n' : formatExplain(detail));
  return 0;
}

/** The batch in a sentence, then its students as a table. */
export function formatExplain(d: BatchDetail): string {
  const qualified = d.students.filter((s) => s.completed >= d.minLessons).length;
  const head =
    d.batch === null
      ? `batch ${d.id}: not served by the API (yet); ${d.students.length} students name it, ${qualified} of them qualified`
      : `batch ${d.id} ${JSON.stringify(d.batch.name)}${d.batch.start_date === null ? '' : ` (starts ${d.batch.start_date})`}: ` +
        `${d.batch.qualified_students} of ${d.batch.student_count} students qualified, rank ${d.rank}`;
  // The sentence, then a blank line, then the table.
  const lines = [visible(head), `a student qualifies with ${d.minLessons} completed lessons; qualified_at is when the ${ordinal(d.minLessons)} of them was first completed (event time)`, '', ''];
  if (d.students.length === 0) return lines.join('\n') + 'no students in this batch yet\n';
  const rows = d.students.map((s) => [
    String(s.id),
    s.name,
    String(s.completed),
    s.completed >= d.minLessons ? 'yes' : 'no',
    s.qualified_at ?? '-',
    s.lessons.map((l) => l.lesson).join(' ') || '-',
  ]);
  return lines.join('\n') + formatTable([['id', 'name', 'completed', 'qualified', 'qualified_at', 'lessons, earliest first'], ...rows], [0, 2]);
}

function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th';
  return `${n}${suffix}`;
}
