// One batch's data as the batch page, /batch/<id>.json and /batch/<id>.csv give it: the reader's
// BatchDetail, the daily series its chart is drawn from, and the CSV. Pure: no I/O.
import type { BatchDetail, DetailStudent } from '../storage/detail.ts';

/** Students qualified on or before the end of `day` (UTC, YYYY-MM-DD), by qualified_at. */
export interface DayCount {
  day: string;
  qualified: number;
}

/** What /batch/<id>.json serves and the page's live stream sends: the detail plus its daily series. */
export type BatchData = BatchDetail & { daily: DayCount[] };

/**
 * The cumulative count of students whose qualified_at falls on or before each day, for the days on
 * which it changes (a step: the days between keep the last count), ascending; empty while none has
 * qualified. Days are UTC, as every timestamp is. Only the days that change, not every day between:
 * one student whose qualified_at a log line put in the year 9999 would otherwise make millions of
 * entries, on every refresh of the page.
 */
export function dailySeries(students: readonly DetailStudent[]): DayCount[] {
  const perDay = new Map<string, number>();
  for (const s of students) {
    if (s.qualified_at === null) continue;
    const day = s.qualified_at.slice(0, 10);
    perDay.set(day, (perDay.get(day) ?? 0) + 1);
  }
  let total = 0;
  return [...perDay.keys()].sort().map((day) => ({ day, qualified: (total += perDay.get(day)!) }));
}

export function batchData(detail: BatchDetail): BatchData {
  return { ...detail, daily: dailySeries(detail.students) };
}

/** The batch's numbers for the page's summary: its row when the API served it, else counted from its students. */
export function summaryOf(d: BatchDetail): { students: number; qualified: number; share: number } {
  const students = d.batch?.student_count ?? d.students.length;
  const qualified = d.batch?.qualified_students ?? d.students.filter((s) => s.completed >= d.minLessons).length;
  return { students, qualified, share: students === 0 ? 0 : qualified / students };
}

export const CSV_COLUMNS = ['id', 'name', 'email', 'created_at', 'completed', 'qualified_at', 'lessons'] as const;

/**
 * One CSV cell: always quoted (RFC 4180, quotes doubled), so commas, quotes and line breaks in a
 * name stay inside it. A cell that a spreadsheet would take for a formula (starting with = + - @,
 * or a tab or carriage return, which some spreadsheets skip before looking) gets a leading `'`
 * (OWASP's "CSV injection" advice): a student named `=HYPERLINK(...)` is text in Excel or
 * LibreOffice, not a live formula. The JSON beside it carries every value unchanged.
 */
export function csvCell(v: string | number | null): string {
  let s = v === null ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
}

/** `lesson@time` for each completed lesson, earliest first, separated by `;`. */
export function lessonsCell(s: DetailStudent): string {
  return s.lessons.map((l) => `${l.lesson}@${l.at}`).join(';');
}

/** One row per student (columns CSV_COLUMNS), CRLF line ends as RFC 4180 has them. */
export function batchCsv(d: BatchDetail): string {
  const lines = [CSV_COLUMNS.map(csvCell).join(',')];
  for (const s of d.students) {
    lines.push([s.id, s.name, s.email, s.created_at, s.completed, s.qualified_at, lessonsCell(s)].map(csvCell).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
