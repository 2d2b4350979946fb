// The operator panel as plain HTML, rendered on the server (static/operator.js keeps it live and
// drives the restart buttons). Every actor's state, rate, lag, restarts and last error, and the
// supervisor's recent lifecycle events. Everything is escaped: a last error can quote a source
// (an API's error body, a batch name).
import type { ActorStatus, SupervisorEvent } from '../runtime/supervisor.ts';
import { escapeHtml } from './page.ts';

/** One actor's row as the panel shows it, the same in the HTML and in the live stream. */
export interface ActorRow {
  name: string;
  state: string;
  rate: string;
  lag: string;
  restarts: number;
  lastError: string;
}

export interface EventRow {
  at: string;
  event: string;
  actor: string;
  detail: string;
}

export function actorRow(a: ActorStatus): ActorRow {
  const c = a.counters;
  const rate = `${c['rate'] ?? 0} records/s${c['commit_rate'] === undefined ? '' : `, ${c['commit_rate']} commits/s`}`;
  return {
    name: a.name,
    state: a.state,
    rate,
    lag: c['lag'] === undefined ? '-' : `${c['lag']} ${c['lag_unit'] ?? ''}`.trim(),
    restarts: a.restarts,
    lastError: a.lastError ?? '',
  };
}

export function eventRow(e: SupervisorEvent): EventRow {
  const { actor, ...rest } = e.fields;
  return {
    at: new Date(e.at).toISOString().slice(11, 23),
    event: e.event,
    actor: actor === undefined ? '' : String(actor),
    detail: Object.entries(rest)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' '),
  };
}

const td = (text: string | number, cls = ''): string => `<td${cls === '' ? '' : ` class="${cls}"`}>${escapeHtml(String(text))}</td>`;

function actorHtml(r: ActorRow): string {
  const name = escapeHtml(r.name);
  return (
    `<tr data-actor="${name}">${td(r.name)}${td(r.state, 'state')}${td(r.rate, 'n rate')}${td(r.lag, 'n lag')}${td(r.restarts, 'n restarts')}${td(r.lastError, 'error')}` +
    `<td><button type="button" data-restart="${name}">restart</button></td></tr>`
  );
}

function eventHtml(e: EventRow): string {
  return `<tr>${td(e.at)}${td(e.event)}${td(e.actor)}${td(e.detail)}</tr>`;
}

/** The page; `pipeline` null under `batchboard serve`, which has no supervisor. `query`: the access token's, for links. */
export function operatorPage(pipeline: { actors: ActorRow[]; events: EventRow[] } | null, o: { warehouse: string; query: string }): string {
  const body =
    pipeline === null
      ? `<p id="no-pipeline" class="notice">No pipeline runs in this server: it was started by <code>batchboard serve</code>, which only reads the warehouse and has no supervisor, so there are no actors to show or restart here. Serve the page from the pipeline itself (<code>batchboard start ... --http HOST:PORT</code>, or the demo) for the operator panel.</p>`
      : `<form id="restart-form" autocomplete="off">
<label>restart token <input type="password" id="restart-token" name="restart-token" size="32" autocomplete="off"></label>
<span class="hint">printed with the URL as <code>operator token: ...</code>; the link's <code>#restart=...</code> fills it in</span>
</form>
<p id="restart-result" role="status"></p>
<table id="actors">
<thead><tr><th>actor</th><th>state</th><th>records/s</th><th>lag</th><th>restarts</th><th>last error</th><th></th></tr></thead>
<tbody>
${pipeline.actors.map(actorHtml).join('\n')}
</tbody>
</table>
<h2>recent lifecycle events</h2>
<table id="events">
<thead><tr><th>time (UTC)</th><th>event</th><th>actor</th><th>detail</th></tr></thead>
<tbody>
${[...pipeline.events].reverse().map(eventHtml).join('\n')}
</tbody>
</table>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>batchboard: operator panel</title>
<link rel="stylesheet" href="/static/style.css${o.query}">
<link rel="icon" href="/favicon.ico${o.query}">
<script src="/static/live.js${o.query}" defer></script>
<script src="/static/operator.js${o.query}" defer></script>
</head>
<body data-pipeline="${pipeline === null ? '0' : '1'}">
<header><h1>batchboard: operator panel</h1><p>The pipeline writing <code>${escapeHtml(o.warehouse)}</code>. <a href="/${o.query}">leaderboard</a> · <a href="/metrics${o.query}">metrics</a> <span id="live" class="off">static</span></p></header>
${body}
</body>
</html>
`;
}
