// A batch's page as plain HTML, rendered on the server so that its numbers and students show
// before any script runs (and without one); static/batch.js then keeps it live and draws the
// chart. As on the leaderboard, everything that came from a source is escaped here.
import type { BatchDetail, DetailStudent } from '../storage/detail.ts';
import { summaryOf, type DayCount } from './batch-data.ts';
import { escapeHtml } from './page.ts';

export interface BatchPageOptions {
  /** The access token, carried by every link and the live stream when there is one. */
  token?: string;
  /** The batch laid over this one in the chart (?compare=), when one is chosen. */
  compare?: number;
  /** Batches offered for comparison (the leaderboard's first ones). */
  choices: readonly { id: number; name: string }[];
}

/** `?token=...` for a link, escaped for an HTML attribute, or nothing without a token. */
export function tokenQuery(token: string | undefined): string {
  return token === undefined ? '' : escapeHtml(`?token=${encodeURIComponent(token)}`);
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** The page's head; its assets carry the token (`q`) as every request must when there is one. */
function head(title: string, scripts: boolean, q: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/static/style.css${q}">
${scripts ? `<link rel="stylesheet" href="/static/uPlot.min.css${q}">\n<script src="/static/uPlot.iife.min.js${q}" defer></script>\n<script src="/static/live.js${q}" defer></script>\n<script src="/static/batch.js${q}" defer></script>\n` : ''}</head>`;
}

export function studentRowHtml(s: DetailStudent, minLessons: number): string {
  // The warehouse's own test (what qualified_students counts); qualified_at is its time.
  const qualifies = s.completed >= minLessons;
  const lessons = s.lessons.map((l) => `<li>lesson ${l.lesson} <time datetime="${escapeHtml(l.at)}">${escapeHtml(l.at)}</time></li>`).join('');
  return (
    `<tr data-id="${s.id}"${qualifies ? ' class="qualified"' : ''}><td class="n">${s.id}</td><td>${escapeHtml(s.name)}</td><td>${escapeHtml(s.email ?? '')}</td>` +
    `<td>${escapeHtml(s.created_at)}</td><td class="n c">${s.completed}</td><td><ol class="lessons">${lessons}</ol></td>` +
    `<td class="qa">${escapeHtml(s.qualified_at ?? '')}</td><td class="mark">${qualifies ? '✓ qualifies' : ''}</td></tr>`
  );
}

/** The summary's terms, each with an id the script updates. */
export function summaryHtml(d: BatchDetail): string {
  const s = summaryOf(d);
  const item = (id: string, term: string, value: string) => `<div><dt>${term}</dt><dd id="${id}">${escapeHtml(value)}</dd></div>`;
  return [
    item('s-id', 'batch id', String(d.id)),
    item('s-start', 'start date', d.batch?.start_date ?? ''),
    item('s-rank', 'rank', d.rank === null ? '' : String(d.rank)),
    item('s-qualified', 'qualified', String(s.qualified)),
    item('s-students', 'students', String(s.students)),
    item('s-share', 'share qualified', pct(s.share)),
    item('s-min', 'lessons to qualify', String(d.minLessons)),
  ].join('\n');
}

function dailyTable(daily: readonly DayCount[]): string {
  const rows = daily.map((x) => `<tr><td>${x.day}</td><td class="n">${x.qualified}</td></tr>`).join('\n');
  return `<details id="daily"><summary>qualified students by day (the chart's numbers)</summary>
<table><thead><tr><th>day (UTC)</th><th>qualified by then</th></tr></thead><tbody>
${rows}
</tbody></table></details>`;
}

export function batchPage(d: BatchDetail, daily: readonly DayCount[], o: BatchPageOptions): string {
  const name = d.batch?.name ?? `batch ${d.id}`;
  const tq = tokenQuery(o.token);
  const choices = o.choices.filter((c) => c.id !== d.id);
  if (o.compare !== undefined && !choices.some((c) => c.id === o.compare)) {
    choices.unshift({ id: o.compare, name: `batch ${o.compare}` });
  }
  const options = [`<option value="">none</option>`, ...choices.map((c) => `<option value="${c.id}"${c.id === o.compare ? ' selected' : ''}>${escapeHtml(c.name)} (#${c.id})</option>`)].join('');
  const tokenField = o.token === undefined ? '' : `<input type="hidden" name="token" value="${escapeHtml(o.token)}">`;
  const missing = d.batch === null ? '<p class="note">Students name this batch, but the batches API has not served it (yet).</p>\n' : '';
  return `${head(`batchboard: ${name}`, true, tq)}
<body data-batch="${d.id}"${o.compare === undefined ? '' : ` data-compare="${o.compare}"`}>
<header><p><a href="/${tq}">← the leaderboard</a></p><h1 id="b-name">${escapeHtml(name)}</h1>
<p>Created ${escapeHtml(d.batch?.created_at ?? '')}. <span id="live" class="off">static</span></p></header>
${missing}<dl id="summary">
${summaryHtml(d)}
</dl>
<p>The same data: <a id="csv" href="/batch/${d.id}.csv${tq}">CSV</a> · <a id="json" href="/batch/${d.id}.json${tq}">JSON</a></p>
<section id="trend"><h2>Qualified students over time</h2>
<form method="get" action="/batch/${d.id}">${tokenField}<label>compare with <select name="compare">${options}</select></label> <button type="submit">show</button></form>
<div id="chart"></div>
${dailyTable(daily)}
</section>
<h2>Students</h2>
<table id="students">
<thead><tr><th>id</th><th>name</th><th>email</th><th>created</th><th>completed</th><th>lessons (first completed)</th><th>qualified at</th><th>qualifies</th></tr></thead>
<tbody>
${d.students.map((s) => studentRowHtml(s, d.minLessons)).join('\n')}
</tbody>
</table>
</body>
</html>
`;
}

export function notFoundPage(what: string, token: string | undefined): string {
  return `${head('batchboard: not found', false, tokenQuery(token))}
<body>
<header><p><a href="/${tokenQuery(token)}">← the leaderboard</a></p><h1>Not found</h1></header>
<p id="missing">${escapeHtml(what)}</p>
</body>
</html>
`;
}
