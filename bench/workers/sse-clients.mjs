// Open live pages for bench/page.ts, as the server sees them: `n` plain HTTP clients each holding
// GET /events open and reading every event it sends (what a page's EventSource does, without the
// page's rendering, which costs the browser and not the pipeline). In a thread of its own, so that
// the bench's probe (which spins on the warehouse) never stops them reading: a client that stops
// reading would make the server buffer, which is not what a page does.
// Plain JavaScript: a worker_threads entry cannot be TypeScript on Node 20.
//
// workerData: { url (the page's URL), n }. Posts { connected } once every client has its first
// event (the whole leaderboard), then, on 'stop', { events, changes, bytes } and closes them all.
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

const { url, n } = workerData;
const events = new URL('/events', url);
events.search = new URL(url).search;
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
const requests = [];
let connected = 0;
let total = 0;
let changes = 0;
let bytes = 0;

for (let i = 0; i < n; i++) {
  let first = true;
  const req = http.get(events, { agent, headers: { Accept: 'text/event-stream' } }, (res) => {
    if (res.statusCode !== 200) throw new Error(`/events answered ${res.statusCode}`);
    res.setEncoding('utf8');
    res.on('data', (chunk) => {
      bytes += Buffer.byteLength(chunk);
      // Events are small and whole in practice; counting their names is enough to show the stream flowed.
      for (let at = chunk.indexOf('event: '); at >= 0; at = chunk.indexOf('event: ', at + 7)) {
        total++;
        if (chunk.startsWith('event: changes', at)) changes++;
      }
      if (first) {
        first = false;
        if (++connected === n) parentPort.postMessage({ connected });
      }
    });
  });
  req.on('error', () => {});
  requests.push(req);
}

parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  for (const r of requests) r.destroy();
  agent.destroy();
  parentPort.postMessage({ events: total, changes, bytes });
  parentPort.close();
});
