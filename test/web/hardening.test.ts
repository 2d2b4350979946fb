// What any client can send the page's server: a request target that is no URL (`GET //`) is a 400
// and the server goes on; without an access token, a Host that is not loopback (a site of another
// name pointed at 127.0.0.1: DNS rebinding) is refused; a HEAD on an event stream is answered with
// its headers and ended rather than left hanging.
import net from 'node:net';
import test from 'ava';
import { seeded, serve } from './helpers.ts';

/** One raw HTTP/1.1 exchange: the whole answer as text (the server closes: Connection: close). */
function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.end(request));
    let out = '';
    s.setEncoding('utf8').on('data', (d: string) => (out += d));
    s.on('end', () => resolve(out));
    s.on('error', reject);
    s.setTimeout(5_000, () => {
      s.destroy();
      resolve(out);
    });
  });
}

test('a target that is no URL is a 400; a foreign Host without a token a 403; HEAD on a stream ends', async (t) => {
  const { warehouse } = await seeded(t, 'sqlite');
  const { url, child } = await serve(t, ['--warehouse', warehouse, '--http', '127.0.0.1:0']);
  const port = Number(new URL(url).port);
  const req = (target: string, host = `127.0.0.1:${port}`, method = 'GET') => raw(port, `${method} ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);

  for (const target of ['//', '///', '//[', '//:99999']) t.regex(await req(target), /^HTTP\/1\.1 400 /, target);
  t.is(child.exitCode, null, 'still running');
  t.regex(await req('/board.json'), /^HTTP\/1\.1 200 /);

  t.regex(await req('/board.json', 'evil.example'), /^HTTP\/1\.1 403 /);
  t.regex(await req('/batch/1.json', `rebound.example:${port}`), /^HTTP\/1\.1 403 /);
  for (const host of [`localhost:${port}`, `[::1]:${port}`, '127.0.0.1']) t.regex(await req('/board.json', host), /^HTTP\/1\.1 200 /, host);

  for (const stream of ['/events', '/batch/1/events', '/operator/events']) {
    const head = await req(stream, undefined, 'HEAD');
    t.regex(head, /^HTTP\/1\.1 200 /, stream);
    t.regex(head, /content-type: text\/event-stream/i, stream);
  }
});

test('with an access token, any Host name is served (the token decides)', async (t) => {
  const { warehouse } = await seeded(t, 'sqlite');
  const token = 'a-token-of-sixteen-or-more';
  const { url } = await serve(t, ['--warehouse', warehouse, '--http', '127.0.0.1:0', '--http-token', token]);
  const port = Number(new URL(url).port);
  const answer = await raw(port, `GET /board.json HTTP/1.1\r\nHost: batchboard.internal\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`);
  t.regex(answer, /^HTTP\/1\.1 200 /);
});
