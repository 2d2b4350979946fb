// A batch's page, live: the server's HTML already shows the batch and its students; this keeps
// them up to date from the page's stream (/batch/<id>/events: each batch's data whole, then at
// each change) and draws the chart of qualified students by day with uPlot, another batch laid
// over it when one is chosen. Text from the sources is only ever set as textContent (uPlot's
// legend does the same), never parsed as HTML.
'use strict';
(() => {
  const id = Number(document.body.dataset.batch);
  const chartEl = document.getElementById('chart');
  const select = document.querySelector('#trend select[name=compare]');
  if (!id || !chartEl || !select) return;
  const token = new URLSearchParams(location.search).get('token');
  const DAY = 86400;
  /** id -> the latest data sent for it ({id, detail: null} or BatchData) */
  const data = new Map();
  let compare = Number(select.value) || null;
  let source = null;
  let plot = null;
  let pending = false;

  const text = (el, s) => {
    if (el && el.textContent !== s) el.textContent = s;
  };
  const td = (s, cls) => {
    const c = document.createElement('td');
    c.textContent = s;
    if (cls) c.className = cls;
    return c;
  };

  function summary(d) {
    const students = d.batch ? d.batch.student_count : d.students.length;
    const qualified = d.batch ? d.batch.qualified_students : d.students.filter((s) => s.completed >= d.minLessons).length;
    text(document.getElementById('b-name'), d.batch ? d.batch.name : `batch ${d.id}`);
    text(document.getElementById('s-start'), (d.batch && d.batch.start_date) || '');
    text(document.getElementById('s-rank'), d.rank === null ? '' : String(d.rank));
    text(document.getElementById('s-qualified'), String(qualified));
    text(document.getElementById('s-students'), String(students));
    text(document.getElementById('s-share'), `${((students === 0 ? 0 : qualified / students) * 100).toFixed(1)}%`);
    text(document.getElementById('s-min'), String(d.minLessons));
  }

  function students(d) {
    const frag = document.createDocumentFragment();
    for (const s of d.students) {
      const qualifies = s.completed >= d.minLessons;
      const tr = document.createElement('tr');
      tr.dataset.id = String(s.id);
      if (qualifies) tr.className = 'qualified';
      const lessons = document.createElement('ol');
      lessons.className = 'lessons';
      for (const l of s.lessons) {
        const li = document.createElement('li');
        const time = document.createElement('time');
        time.dateTime = l.at;
        time.textContent = l.at;
        li.append(`lesson ${l.lesson} `, time);
        lessons.append(li);
      }
      const cell = document.createElement('td');
      cell.append(lessons);
      tr.append(td(String(s.id), 'n'), td(s.name), td(s.email || ''), td(s.created_at), td(String(s.completed), 'n c'), cell, td(s.qualified_at || '', 'qa'), td(qualifies ? '✓ qualifies' : '', 'mark'));
      frag.append(tr);
    }
    document.querySelector('#students tbody').replaceChildren(frag);
  }

  const dayTs = (day) => Date.parse(`${day}T00:00:00.000Z`) / 1000;
  const nameOf = (bid) => {
    const d = data.get(bid);
    return d && d.batch ? d.batch.name : `batch ${bid}`;
  };

  /**
   * The two cumulative series on one axis: the days on which either changes (the steps between
   * keep the last count), 0 before a batch's first, its last value after its last.
   */
  function aligned(ids) {
    const series = ids.map((bid) => (data.get(bid) && data.get(bid).daily) || []);
    const xs = [...new Set(series.flatMap((s) => s.map((x) => dayTs(x.day))))].sort((a, b) => a - b);
    if (xs.length === 0) return null;
    const ys = series.map((s) => {
      const at = new Map(s.map((x) => [dayTs(x.day), x.qualified]));
      let v = 0;
      return xs.map((t) => (v = at.has(t) ? at.get(t) : v));
    });
    return [xs, ...ys];
  }

  function chart() {
    const ids = compare && data.has(compare) ? [id, compare] : [id];
    const d = aligned(ids);
    if (plot) plot.destroy();
    plot = null;
    chartEl.dataset.series = '0';
    if (d === null) {
      text(chartEl, 'No student of this batch has qualified yet.');
      return;
    }
    text(chartEl, '');
    const colours = ['#0969da', '#cf222e'];
    const step = uPlot.paths.stepped({ align: 1 });
    plot = new uPlot(
      {
        width: Math.max(320, chartEl.clientWidth),
        height: 280,
        // Room on the right for the last day's label.
        padding: [16, 48, 0, 0],
        // Days are UTC days, as every timestamp is: the axis says so whatever the browser's zone.
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        scales: {
          // One day alone still gets an axis around it.
          x: { time: true, range: (u, min, max) => (min === max ? [min - DAY, max + DAY] : [min, max]) },
          y: { range: (u, min, max) => [0, Math.max(1, max)] },
        },
        series: [{ label: 'day (UTC)', value: (u, t) => (t === null ? '' : new Date(t * 1000).toISOString().slice(0, 10)) }, ...ids.map((bid, i) => ({ label: nameOf(bid), stroke: colours[i], width: 2, paths: step, value: (u, v) => (v === null ? '' : String(v)) }))],
        // Whole days and whole students: the series has one point a day and counts people.
        axes: [
          { incrs: [1, 2, 7, 14, 28, 91, 182, 364].map((n) => n * DAY), values: (u, ts) => ts.map((t) => new Date(t * 1000).toISOString().slice(0, 10)) },
          { label: 'qualified students', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] },
        ],
      },
      d,
      chartEl,
    );
    chartEl.dataset.series = String(ids.length);
  }

  function render() {
    pending = false;
    const mine = data.get(id);
    if (mine && mine.detail !== null) {
      summary(mine);
      students(mine);
    }
    chart();
    document.body.dataset.shown = String(Date.now());
  }
  const later = () => {
    if (!pending) {
      pending = true;
      requestAnimationFrame(render);
    }
  };

  function connect() {
    if (source) source.close();
    const p = new URLSearchParams();
    if (compare) p.set('compare', String(compare));
    if (token) p.set('token', token);
    source = globalThis.batchboardStream(`/batch/${id}/events${String(p) ? `?${p}` : ''}`);
    source.addEventListener('batch', (e) => {
      const m = JSON.parse(e.data);
      data.set(m.id, m);
      later();
    });
  }

  // Choosing a batch to compare redraws in place; the address keeps it (a reload shows the same).
  select.form.addEventListener('submit', (e) => e.preventDefault());
  select.addEventListener('change', () => {
    compare = Number(select.value) || null;
    const p = new URLSearchParams(location.search);
    if (compare) p.set('compare', String(compare));
    else p.delete('compare');
    history.replaceState(null, '', `${location.pathname}${String(p) ? `?${p}` : ''}`);
    for (const k of [...data.keys()]) if (k !== id) data.delete(k);
    later();
    connect();
  });
  addEventListener('resize', () => {
    if (plot) plot.setSize({ width: Math.max(320, chartEl.clientWidth), height: 280 });
  });
  connect();
})();
