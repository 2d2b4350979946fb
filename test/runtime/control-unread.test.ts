// A client that pipelines requests on the control socket without reading the answers: the
// supervisor stops taking its requests once a bounded amount of answers waits unread (before the
// fix it took them all: 100,000 `status` requests held about 200 MB), and once the client reads,
// every request is answered, in order.
import net from 'node:net';
import path from 'node:path';
import test from 'ava';
import { ControlServer, Supervisor, silentLogger } from '../../src/runtime/index.ts';
import { fixture, tempDir, waitFor } from './helpers.ts';

const REQUESTS = 100_000;

test('requests wait in the socket while answers go unread; all are answered once read', async (t) => {
  const sup = new Supervisor({ children: [{ name: 'idle', module: fixture('tripwire') }] }, silentLogger);
  let answered = 0;
  const status = sup.status.bind(sup);
  sup.status = () => {
    answered++;
    return status();
  };
  const sock = path.join(tempDir(t), 'ctl.sock');
  const server = await ControlServer.listen(sock, sup);
  t.teardown(() => server.close());

  const client = net.connect(sock);
  await new Promise((resolve) => client.once('connect', resolve));
  client.pause(); // reads nothing
  client.write('{"cmd":"status"}\n'.repeat(REQUESTS));

  // The server stops taking requests: the count settles far below what was sent.
  let last = -1;
  let steadySince = Date.now();
  await waitFor(
    () => {
      if (answered !== last) {
        last = answered;
        steadySince = Date.now();
      }
      return answered > 0 && Date.now() - steadySince > 500;
    },
    { what: () => `the server to stop taking requests (${answered} answered so far)`, timeoutMs: 20_000, intervalMs: 20 },
  );
  t.true(answered < REQUESTS / 5, `the server took ${answered} of ${REQUESTS} requests while none was read`);
  t.true(client.writableLength > 0, 'the rest waits on the client side');

  // Reading now: every request is answered, in order, none lost.
  let got = 0;
  let bad = 0;
  let partial = '';
  client.setEncoding('utf8');
  client.on('data', (d: string) => {
    const lines = (partial + d).split('\n');
    partial = lines.pop()!;
    for (const l of lines) {
      got++;
      if (!(JSON.parse(l) as { ok: boolean }).ok) bad++;
    }
  });
  client.resume();
  await waitFor(() => got === REQUESTS, { what: () => `all ${REQUESTS} answers (got ${got})`, timeoutMs: 60_000, intervalMs: 50 });
  t.is(bad, 0);
  t.is(answered, REQUESTS);
  client.destroy();
});
