// The cost of live batch pages stays bounded: a batch is read only while some page listens to it,
// once per poll however many pages do, and no longer once they have gone. BatchRoutes over a real
// reader of a real warehouse, its reads counted.
import http from 'node:http';
import test from 'ava';
import { waitFor } from '../wait.ts';
import { openReader, type Reading } from '../../src/storage/reader.ts';
import { BatchRoutes } from '../../src/web/batch-routes.ts';
import { seeded } from './helpers.ts';
import { listen } from './http.ts';

test('a batch is read while a page listens to it, once a poll for all its pages, and not after they leave', async (t) => {
  const { warehouse } = await seeded(t, 'sqlite');
  const reader = await openReader(warehouse);
  t.teardown(() => reader.close());
  const reads: number[] = [];
  const counted = new Proxy(reader, {
    get(target, key: keyof Reading) {
      if (key === 'batchDetail') return (id: number) => (reads.push(id), target.batchDetail(id));
      const v = target[key];
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  const routes = new BatchRoutes({
    reader: counted,
    headers: {},
    pollMs: 20,
    send: (res, status, type, body) => res.writeHead(status, { 'Content-Type': type }).end(body),
  });
  const server = http.createServer((req, res) => void routes.handle(res, new URL(req.url!, 'http://x')));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    routes.close();
    server.closeAllConnections();
    server.close();
  });
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

  const pages = [listen(t, `${base}/batch/1/events?compare=2`), listen(t, `${base}/batch/1/events`), listen(t, `${base}/batch/1/events?compare=2`)];
  await waitFor(() => pages.every((p) => p.events.length > 0), { what: 'every page its first data' });
  const before = reads.length;
  await waitFor(() => reads.length >= before + 20, { what: 'ten polls' });
  const polled = reads.slice(before, before + 20);
  t.deepEqual(new Set(polled), new Set([1, 2]), 'only the batches shown');
  t.true(Math.abs(polled.filter((id) => id === 1).length - polled.filter((id) => id === 2).length) <= 1, 'each once a poll, not once a page');

  // The pages leave; a page of batch 3 comes: from then on only batch 3 is read.
  for (const p of pages) p.close();
  await waitFor(() => routes.watched.length === 0, { what: 'no batch watched' });
  const later = listen(t, `${base}/batch/3/events`);
  await waitFor(() => later.events.length > 0, { what: 'the new page its data' });
  const since = reads.length;
  await waitFor(() => reads.length >= since + 10, { what: 'ten polls' });
  t.deepEqual(new Set(reads.slice(since)), new Set([3]));
});
