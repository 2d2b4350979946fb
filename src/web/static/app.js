// The leaderboard page, live: the server's HTML already shows the numbers; this keeps them up to
// date from the server's event stream (/events: the whole leaderboard, then the batches that
// changed), and filters and sorts in the page. Text from the sources is only ever set as
// textContent, never parsed as HTML. Plain JavaScript, no framework, served by batchboard itself.
'use strict';
(() => {
  const tbody = document.querySelector('#board tbody');
  const form = document.querySelector('form');
  const count = document.getElementById('count');
  if (!tbody || !form) return;
  const params = new URLSearchParams(location.search);
  const token = params.get('token');
  /** id -> row {id, name, start_date, student_count, qualified_students} */
  const rows = new Map();
  /** id -> time until which the row is marked as moved */
  const moved = new Map();
  let pending = false;

  const share = (r) => (r.student_count === 0 ? 0 : r.qualified_students / r.student_count);
  const view = () => ({
    q: form.elements.q.value.toLowerCase(),
    since: form.elements.since.value,
    sort: form.elements.sort.value,
  });
  const SORTS = {
    rank: (a, b) => a.rank - b.rank,
    name: (a, b) => (a.row.name < b.row.name ? -1 : a.row.name > b.row.name ? 1 : a.rank - b.rank),
    start_date: (a, b) => ((a.row.start_date || '') < (b.row.start_date || '') ? 1 : (a.row.start_date || '') > (b.row.start_date || '') ? -1 : a.rank - b.rank),
    students: (a, b) => b.row.student_count - a.row.student_count || a.rank - b.rank,
    share: (a, b) => share(b.row) - share(a.row) || a.rank - b.rank,
  };

  function cell(cls) {
    const td = document.createElement('td');
    if (cls) td.className = cls;
    return td;
  }

  /**
   * id -> the row's element and its cells. Rows are made once (or taken from the server's HTML) and
   * then only their changed cells are written and the moved ones moved: rebuilding all 10,000 rows
   * at each commit held the page for a second.
   */
  const elements = new Map();

  function element(row) {
    let e = elements.get(row.id);
    if (e !== undefined) return e;
    const tr = document.createElement('tr');
    tr.dataset.id = String(row.id);
    const name = cell();
    const a = document.createElement('a');
    // The batch's own page, the token carried as the server's links carry it.
    a.href = `/batch/${row.id}${token ? `?token=${encodeURIComponent(token)}` : ''}`;
    name.append(a);
    const cells = [cell('n'), a, cell(), cell('n q'), cell('n'), cell('n')];
    tr.append(cells[0], name, cells[2], cells[3], cells[4], cells[5]);
    e = { tr, cells, text: ['', '', '', '', '', ''] };
    elements.set(row.id, e);
    return e;
  }

  // The rows the server rendered, adopted as they are: the first render writes nothing in them
  // unless the data moved since.
  for (const tr of tbody.querySelectorAll('tr[data-id]')) {
    const tds = tr.children;
    const a = tds[1] && tds[1].querySelector('a');
    if (tds.length !== 6 || !a) continue;
    const cells = [tds[0], a, tds[2], tds[3], tds[4], tds[5]];
    elements.set(Number(tr.dataset.id), { tr, cells, text: cells.map((c) => c.textContent) });
  }

  function set(e, i, text) {
    if (e.text[i] !== text) {
      e.text[i] = text;
      e.cells[i].textContent = text;
    }
  }

  function render() {
    pending = false;
    const all = [...rows.values()].sort((a, b) => b.qualified_students - a.qualified_students || a.id - b.id);
    const v = view();
    let shown = all.map((row, i) => ({ rank: i + 1, row }));
    if (v.q) shown = shown.filter((x) => x.row.name.toLowerCase().includes(v.q));
    if (v.since) shown = shown.filter((x) => x.row.start_date !== null && x.row.start_date >= v.since);
    shown.sort(SORTS[v.sort] || SORTS.rank);
    const now = Date.now();
    // One walk beside the rows in the page: a row in its place stays, one out of place is moved
    // (or added) there; what is left after the last one shown is taken out.
    let at = tbody.firstElementChild;
    for (const { rank, row } of shown) {
      const e = element(row);
      set(e, 0, String(rank));
      set(e, 1, row.name);
      set(e, 2, row.start_date || '');
      set(e, 3, String(row.qualified_students));
      set(e, 4, String(row.student_count));
      set(e, 5, `${(share(row) * 100).toFixed(1)}%`);
      const cls = (moved.get(row.id) || 0) > now ? 'moved' : '';
      if (e.tr.className !== cls) e.tr.className = cls;
      if (at === e.tr) at = at.nextElementSibling;
      else tbody.insertBefore(e.tr, at);
    }
    while (at !== null) {
      const next = at.nextElementSibling;
      at.remove();
      at = next;
    }
    for (const id of elements.keys()) if (!rows.has(id)) elements.delete(id);
    if (count) count.textContent = `${shown.length} of ${all.length} batches`;
  }

  const later = () => {
    if (!pending) {
      pending = true;
      requestAnimationFrame(render);
    }
  };

  // Filters and sorting in the page, the address kept in step (a reload shows the same).
  form.addEventListener('submit', (e) => e.preventDefault());
  form.addEventListener('input', () => {
    const p = new URLSearchParams(new FormData(form));
    for (const [k, val] of [...p]) if (val === '') p.delete(k);
    history.replaceState(null, '', `?${p}`);
    later();
  });

  const source = globalThis.batchboardStream(`/events${token ? `?token=${encodeURIComponent(token)}` : ''}`);
  source.addEventListener('board', (e) => {
    const m = JSON.parse(e.data);
    rows.clear();
    for (const r of m.rows) rows.set(r.id, r);
    document.body.dataset.version = String(m.version);
    later();
  });
  source.addEventListener('changes', (e) => {
    const m = JSON.parse(e.data);
    const until = Date.now() + 3000;
    for (const r of m.rows) {
      const before = rows.get(r.id);
      if (before && before.qualified_students !== r.qualified_students) moved.set(r.id, until);
      rows.set(r.id, r);
    }
    for (const id of m.removed) rows.delete(id);
    document.body.dataset.version = String(m.version);
    later();
    setTimeout(later, 3100);
  });
})();
