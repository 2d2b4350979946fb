// The operator panel, live: the server's HTML already shows the actors; this keeps them up to date
// from /operator/events (a snapshot of the actors, and each lifecycle event as it happens) and
// drives the restart buttons: POST /api/restart/<actor> with the per-run restart token in a header.
// The token comes from the link's fragment (#restart=..., which the browser never sends to the
// server) or from what the operator types; it is kept in the page only. Text is only ever set as
// textContent, never parsed as HTML.
'use strict';
(() => {
  const actors = document.querySelector('#actors tbody');
  const events = document.querySelector('#events tbody');
  const input = document.getElementById('restart-token');
  const result = document.getElementById('restart-result');
  const access = new URLSearchParams(location.search).get('token');
  const withAccess = (path) => (access ? `${path}?token=${encodeURIComponent(access)}` : path);
  const MAX_EVENTS = 30;

  // The fragment fills the field, then leaves the address bar (no token in a copied link or in
  // history); also when the link is opened in a tab already showing the panel (no new page then).
  const fromFragment = () => {
    const fragment = new URLSearchParams(location.hash.slice(1)).get('restart');
    if (fragment && input) {
      input.value = fragment;
      history.replaceState(null, '', location.pathname + location.search);
    }
  };
  fromFragment();
  window.addEventListener('hashchange', fromFragment);
  const form = document.getElementById('restart-form');
  if (form) form.addEventListener('submit', (e) => e.preventDefault());

  function cell(text, cls) {
    const td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    return td;
  }

  function rowOf(name) {
    for (const tr of actors.rows) if (tr.dataset.actor === name) return tr;
    const tr = document.createElement('tr');
    tr.dataset.actor = name;
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.restart = name;
    button.textContent = 'restart';
    const last = document.createElement('td');
    last.append(button);
    tr.append(cell(name), cell('', 'state'), cell('', 'n rate'), cell('', 'n lag'), cell('', 'n restarts'), cell('', 'error'), last);
    actors.append(tr);
    return tr;
  }

  function show(a) {
    const tr = rowOf(a.name);
    tr.cells[1].textContent = a.state;
    tr.cells[2].textContent = a.rate;
    tr.cells[3].textContent = a.lag;
    tr.cells[4].textContent = String(a.restarts);
    tr.cells[5].textContent = a.lastError;
  }

  function said(text, ok) {
    if (!result) return;
    result.textContent = text;
    result.className = ok ? 'ok' : 'refused';
  }

  async function restart(name, button) {
    const headers = {};
    const token = input ? input.value.trim() : '';
    if (token) headers['X-Batchboard-Restart-Token'] = token;
    button.disabled = true;
    said(`restarting ${name}...`, true);
    try {
      const res = await fetch(withAccess(`/api/restart/${encodeURIComponent(name)}`), { method: 'POST', headers, cache: 'no-store' });
      const text = await res.text();
      let body = null;
      try {
        body = JSON.parse(text);
      } catch {
        body = null;
      }
      if (res.ok && body) {
        show(body.actor);
        said(`${name} restarted (${body.actor.restarts} restarts)`, true);
      } else {
        said(`${res.status}: ${(body && body.error) || text.trim()}`, false);
      }
    } catch (err) {
      said(`the restart request failed: ${err.message}`, false);
    } finally {
      button.disabled = false;
    }
  }

  if (actors) {
    actors.addEventListener('click', (e) => {
      const button = e.target.closest('button[data-restart]');
      if (button) void restart(button.dataset.restart, button);
    });
  }

  if (document.body.dataset.pipeline !== '1') return;
  const source = globalThis.batchboardStream(withAccess('/operator/events'));
  source.addEventListener('status', (e) => {
    const m = JSON.parse(e.data);
    for (const a of m.actors || []) show(a);
  });
  source.addEventListener('lifecycle', (e) => {
    const ev = JSON.parse(e.data);
    if (!events) return;
    const tr = document.createElement('tr');
    tr.append(cell(ev.at), cell(ev.event), cell(ev.actor), cell(ev.detail));
    events.prepend(tr);
    while (events.rows.length > MAX_EVENTS) events.lastElementChild.remove();
  });
})();
