// The leaderboard page, live: the server's HTML already shows the numbers; this keeps them up to
// date from the server's event stream (/events: the whole leaderboard, then the batches that
// changed), and filters and sorts in the page. Text from the sources is only ever set as
// textContent, never parsed as HTML. Plain JavaScript, no framework, served by batchboard itself.
'use strict';
(() => {
  const tbody = document.querySelector('#board tbody');
  const form = document.querySelector('form');
  const count = document.getElementById('count');
  const live = document.getElementById('live');
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

  function cell(text, cls) {
    const td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    return td;
  }

  // The batch's own page, the token carried as the server's links carry it.
  function link(row) {
    const td = document.createElement('td');
    const a = document.createElement('a');
    a.href = `/batch/${row.id}${token ? `?token=${encodeURIComponent(token)}` : ''}`;
    a.textContent = row.name;
    td.append(a);
    return td;
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
    const frag = document.createDocumentFragment();
    for (const { rank, row } of shown) {
      const tr = document.createElement('tr');
      tr.dataset.id = String(row.id);
      if ((moved.get(row.id) || 0) > now) tr.className = 'moved';
      tr.append(
        cell(String(rank), 'n'),
        link(row),
        cell(row.start_date || ''),
        cell(String(row.qualified_students), 'n q'),
        cell(String(row.student_count), 'n'),
        cell(`${(share(row) * 100).toFixed(1)}%`, 'n'),
      );
      frag.append(tr);
    }
    tbody.replaceChildren(frag);
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

  const source = new EventSource(`/events${token ? `?token=${encodeURIComponent(token)}` : ''}`);
  source.addEventListener('open', () => {
    live.textContent = 'live';
    live.className = 'on';
  });
  source.addEventListener('error', () => {
    live.textContent = 'reconnecting';
    live.className = 'off';
  });
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
