// `batchboard verify`: recomputes the warehouse from scratch and compares it with the stored one
// (src/batch/verify.ts); exit 0 when equal, 1 with the differences as tables, 2 when a source or
// the warehouse cannot be opened (errors.ts).
import type { BatchRow, StudentRow } from '../domain/aggregate.ts';
import { closeScanPools } from '../batch/scan/pool.ts';
import { verify, type FieldDiff, type RowDiff, type VerifyResult } from '../batch/verify.ts';
import type { LostHistory } from '../storage/history.ts';
import type { RejectedCounts } from '../storage/reader.ts';
import { jsonVisible, visible } from '../runtime/text.ts';
import { parseFlags } from './flags.ts';
import { minLessonsFor, SOURCE_FLAGS, sourceFlags, sourceFlagsHelp } from './source-flags.ts';
import { formatTable } from './table.ts';

const C = 'verify';

export const FLAGS_HELP = `batchboard verify --api URL --students PATH --log PATH --warehouse PATH [flags]
${sourceFlagsHelp("default: the warehouse's own, else 3")}
  --log PATH (again)     a PostgreSQL warehouse several pipelines write: --log once per pipeline's log`;

export async function run(argv: string[]): Promise<number> {
  const s = sourceFlags(C, parseFlags(C, argv, SOURCE_FLAGS).values, { manyLogs: true });
  let r;
  try {
    r = await verify(s, await minLessonsFor(s));
  } finally {
    await closeScanPools();
  }
  if (r.qualifiedAtUnknown !== null) {
    process.stderr.write(
      `batchboard verify: qualified_at not compared: warehouse ${r.warehouse} is of schema version ${r.qualifiedAtUnknown}, from before batchboard kept event times ` +
        '(batchboard start or rebuild on it brings it up to date; rebuild fills qualified_at)\n',
    );
  }
  if (r.equal) {
    process.stdout.write(`warehouse ${r.warehouse} equals the sources: ${r.batches.counts.warehouse} batches, ${r.students.counts.warehouse} students\n`);
    return 0;
  }
  process.stdout.write(formatDifferences(r));
  return 1;
}

/** A value as JSON, safe on a terminal: names come from the sources. */
const shown = (v: unknown): string => jsonVisible(JSON.stringify(v));
/** A count for people: 1,234,567. */
const n = (x: number): string => x.toLocaleString('en-US');
/** A cell: strings as they are (formatTable escapes them), null as null. */
const cell = (v: unknown): string => (v === null || v === undefined ? 'null' : String(v));
const plural = (x: number, one: string, many = `${one}s`): string => `${n(x)} ${x === 1 ? one : many}`;

/** A table indented under its heading. */
const indented = (rows: string[][], right: number[], by = '    '): string[] =>
  formatTable(rows, right)
    .trimEnd()
    .split('\n')
    .map((l) => by + l);

/** The fields of a differing row not shown in their own columns, as `field: expected X, found Y`. */
const others = (fields: readonly FieldDiff[], own: readonly string[]): string =>
  fields
    .filter((f) => !own.includes(f.field))
    .map((f) => `${f.field}: expected ${shown(f.sources)}, found ${shown(f.warehouse)}`)
    .join('; ');

interface TableSpec<R> {
  kind: string;
  one: string;
  many: string;
  /** The columns of a differing row: headers, cells, right-aligned columns; `own` are the fields shown in columns. */
  differing: { header: string[]; cells: (sources: R, warehouse: R, fields: readonly FieldDiff[]) => string[]; right: number[] };
  /** The columns of a missing or extra row. */
  row: { header: string[]; cells: (r: R) => string[]; right: number[] };
}

const BATCHES: TableSpec<BatchRow> = {
  kind: 'batches',
  one: 'batch',
  many: 'batches',
  differing: {
    header: ['id', 'name', 'student_count expected', 'found', 'qualified_students expected', 'found', 'other fields'],
    cells: (s, w, f) => [
      String(s.id),
      s.name === w.name ? s.name : `${s.name} (found ${w.name})`,
      String(s.student_count),
      String(w.student_count),
      String(s.qualified_students),
      String(w.qualified_students),
      others(f, ['name', 'student_count', 'qualified_students']),
    ],
    right: [0, 2, 3, 4, 5],
  },
  row: {
    header: ['id', 'name', 'start_date', 'created_at', 'student_count', 'qualified_students'],
    cells: (b) => [String(b.id), b.name, cell(b.start_date), b.created_at, String(b.student_count), String(b.qualified_students)],
    right: [0, 4, 5],
  },
};

const STUDENTS: TableSpec<StudentRow> = {
  kind: 'students',
  one: 'student',
  many: 'students',
  differing: {
    header: ['id', 'batch', 'completed expected', 'found', 'other fields'],
    cells: (s, w, f) => [String(s.id), String(s.batch_id), String(s.completed), String(w.completed), others(f, ['completed'])],
    right: [0, 1, 2, 3],
  },
  row: {
    header: ['id', 'batch', 'name', 'email', 'created_at', 'completed'],
    cells: (s) => [String(s.id), String(s.batch_id), s.name, cell(s.email), s.created_at, String(s.completed)],
    right: [0, 1, 5],
  },
};

function section<R extends { id: number }>(spec: TableSpec<R>, d: RowDiff<R>): string[] {
  const c = d.counts;
  const out = [
    `${spec.kind}: ${c.sources} in the sources, ${c.warehouse} in the warehouse; ${c.missing} missing, ${c.extra} extra, ${c.differing} differing`,
  ];
  if (d.differing.length > 0) {
    out.push(`  ${plural(c.differing, spec.one + ' differs', spec.many + ' differ')} (expected: recomputed from the sources; found: in the warehouse):`);
    out.push(...indented([spec.differing.header, ...d.differing.map((x) => spec.differing.cells(x.sources, x.warehouse, x.fields))], spec.differing.right));
    if (c.differing > d.differing.length) out.push(`  ... and ${plural(c.differing - d.differing.length, `more ${spec.one} differs`, `more ${spec.many} differ`)}`);
  }
  for (const [what, rows, count, where] of [
    ['missing', d.missing, c.missing, 'in the sources, not in the warehouse'],
    ['extra', d.extra, c.extra, 'in the warehouse, not in the sources'],
  ] as const) {
    if (rows.length === 0) continue;
    const rowsOf = count === 1 ? spec.one : spec.many;
    out.push(what === 'missing' ? `  ${n(count)} ${rowsOf} missing (${where}):` : `  ${n(count)} extra ${rowsOf} (${where}):`);
    out.push(...indented([spec.row.header, ...rows.map(spec.row.cells)], spec.row.right));
    if (count > rows.length) out.push(`  ... and ${n(count - rows.length)} more ${what}`);
  }
  return out;
}

/** What the lost log history is, one line a loss (the first SHOWN_LOSSES), and what it means for the differences. */
const SHOWN_LOSSES = 10;

function historyLines(r: VerifyResult): string[] {
  const h = r.history;
  const bytes = h.reduce((s, x) => s + x.pos, 0);
  const out = [
    `the warehouse holds ${plural(bytes, 'byte')} of log lines that the log no longer has: read and counted before they were gone, ` +
      'they stay counted (CONTRACTS §4), and a recomputation from the sources cannot see them:',
  ];
  // File names come from the log's path: shown escaped, like every cell.
  const one = (x: LostHistory): string =>
    x.reason === 'truncated'
      ? `  - ${plural(x.pos, 'byte')} of ${visible(x.file)} read before a truncation seen at ${x.seen_at}`
      : `  - ${plural(x.pos, 'byte')} of ${visible(x.file)} read before that rotated file was deleted, seen at ${x.seen_at}`;
  out.push(...h.slice(0, SHOWN_LOSSES).map(one));
  if (h.length > SHOWN_LOSSES) {
    const rest = h.slice(SHOWN_LOSSES);
    out.push(`  - ... and ${plural(rest.length, 'more loss', 'more losses')} (${plural(rest.reduce((s, x) => s + x.pos, 0), 'byte')}), the last seen at ${rest[rest.length - 1]!.seen_at}`);
  }
  if (r.explained) {
    out.push(
      'the differences below may come from there: each is of the kind those lines make ' +
        '(more lessons completed, more qualified students, an earlier qualified_at, more rejected test runs in the warehouse than in the sources)',
    );
  } else {
    const k = r.batches.counts.unexplained + r.students.counts.unexplained;
    const parts = [
      ...(k > 0 ? [`${plural(k, 'row')} missing, extra, or differing otherwise than by more completed lessons, qualified students or an earlier qualified_at`] : []),
      ...(r.rejected.unexplained ? ['rejected records that differ otherwise than by more rejected test runs'] : []),
    ];
    out.push(`some differences below may come from there, but not all: ${parts.join(', and ')} cannot come from lost log lines`);
  }
  return out;
}

export function formatDifferences(r: VerifyResult): string {
  const out = [`warehouse ${r.warehouse} differs from the sources:`];
  if (r.history.length > 0) out.push(...historyLines(r));
  out.push('', ...section(BATCHES, r.batches), '', ...section(STUDENTS, r.students), '');
  const { sources, warehouse } = r.rejected;
  const per = (c: RejectedCounts) => `${c.batches} batches, ${c.students} students, ${c.test_runs} test_runs`;
  out.push(`rejected records: sources ${per(sources)}; warehouse ${per(warehouse)}${r.rejected.equal ? '' : ' (differ)'}`);
  return out.join('\n') + '\n';
}
