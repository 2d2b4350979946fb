// The leaderboard page as plain HTML, rendered on the server so that the numbers show before any
// script runs (and without one); the script (static/app.js) then keeps it live. Everything that
// came from a source is escaped here: a batch named `<img src=x onerror=alert(1)>` is those
// characters on the page, nothing more.
import type { BoardRow } from '../storage/board.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

export type SortKey = 'rank' | 'name' | 'start_date' | 'students' | 'share';
export const SORT_KEYS: readonly SortKey[] = ['rank', 'name', 'start_date', 'students', 'share'];

export interface BoardView {
  /** Only batches whose name contains this (case-insensitive). */
  q?: string;
  /** Only batches starting on or after this date (YYYY-MM-DD). */
  since?: string;
  sort?: SortKey;
}

/**
 * The query that every URL of a page carries when the server has an access token (its assets too:
 * with a token every request must carry it, and a browser sends none of its own); else ''.
 */
export const tq = (token: string | undefined): string => (token === undefined ? '' : `?token=${encodeURIComponent(token)}`);

export const share = (r: BoardRow): number => (r.student_count === 0 ? 0 : r.qualified_students / r.student_count);

/** The rows shown for `view`, each with its rank on the whole leaderboard (`rows` come ranked). */
export function viewRows(rows: readonly BoardRow[], view: BoardView): { rank: number; row: BoardRow }[] {
  const q = view.q?.toLowerCase() ?? '';
  let out = rows.map((row, i) => ({ rank: i + 1, row }));
  if (q !== '') out = out.filter((x) => x.row.name.toLowerCase().includes(q));
  if (view.since !== undefined && view.since !== '') out = out.filter((x) => x.row.start_date !== null && x.row.start_date >= view.since!);
  const by: Record<SortKey, (a: { rank: number; row: BoardRow }, b: { rank: number; row: BoardRow }) => number> = {
    rank: (a, b) => a.rank - b.rank,
    name: (a, b) => (a.row.name < b.row.name ? -1 : a.row.name > b.row.name ? 1 : a.rank - b.rank),
    start_date: (a, b) => ((a.row.start_date ?? '') < (b.row.start_date ?? '') ? 1 : (a.row.start_date ?? '') > (b.row.start_date ?? '') ? -1 : a.rank - b.rank),
    students: (a, b) => b.row.student_count - a.row.student_count || a.rank - b.rank,
    share: (a, b) => share(b.row) - share(a.row) || a.rank - b.rank,
  };
  return out.sort(by[view.sort ?? 'rank']);
}

/** `tq`: the access token's query (`?token=...`) that the link to the batch's page carries, when there is one. */
export function rowHtml(rank: number, r: BoardRow, tq = ''): string {
  return (
    `<tr data-id="${r.id}"><td class="n">${rank}</td><td><a href="/batch/${r.id}${tq}">${escapeHtml(r.name)}</a></td><td>${escapeHtml(r.start_date ?? '')}</td>` +
    `<td class="n q">${r.qualified_students}</td><td class="n">${r.student_count}</td><td class="n">${(share(r) * 100).toFixed(1)}%</td></tr>`
  );
}

/** The whole page. `query` is what links and the live stream carry (the access token, when there is one). */
export function boardPage(rows: readonly BoardRow[], view: BoardView, o: { warehouse: string; token?: string }): string {
  const shown = viewRows(rows, view);
  const tokenField = o.token === undefined ? '' : `<input type="hidden" name="token" value="${escapeHtml(o.token)}">`;
  const options = SORT_KEYS.map((k) => `<option value="${k}"${(view.sort ?? 'rank') === k ? ' selected' : ''}>${k.replace('_', ' ')}</option>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>batchboard: the leaderboard</title>
<link rel="stylesheet" href="/static/style.css${tq(o.token)}">
<link rel="icon" href="/favicon.ico${tq(o.token)}">
<script src="/static/live.js${tq(o.token)}" defer></script>
<script src="/static/app.js${tq(o.token)}" defer></script>
</head>
<body>
<header><h1>batchboard</h1><p>Qualified students per batch, from <code>${escapeHtml(o.warehouse)}</code>. <span id="live" class="off">static</span> · <a href="/operator${tq(o.token)}">operator panel</a></p></header>
<form method="get" action="/">
${tokenField}<label>name <input type="search" name="q" value="${escapeHtml(view.q ?? '')}"></label>
<label>started on or after <input type="date" name="since" value="${escapeHtml(view.since ?? '')}"></label>
<label>sort <select name="sort">${options}</select></label>
<button type="submit">show</button>
</form>
<p id="count">${shown.length} of ${rows.length} batches</p>
<table id="board">
<thead><tr><th>rank</th><th>batch</th><th>start date</th><th>qualified</th><th>students</th><th>share qualified</th></tr></thead>
<tbody>
${shown.map((x) => rowHtml(x.rank, x.row, o.token === undefined ? '' : `?token=${encodeURIComponent(o.token)}`)).join('\n')}
</tbody>
</table>
</body>
</html>
`;
}
