// A page's event stream, the same on every live page (the leaderboard, a batch, the operator
// panel): the #live mark says "live" while the stream is open and "reconnecting" while the
// browser's EventSource tries again. Loaded before each page's own script.
'use strict';
globalThis.batchboardStream = (url) => {
  const live = document.getElementById('live');
  const mark = (text, cls) => {
    if (!live) return;
    live.textContent = text;
    live.className = cls;
  };
  const source = new EventSource(url);
  source.addEventListener('open', () => mark('live', 'on'));
  source.addEventListener('error', () => mark('reconnecting', 'off'));
  return source;
};
