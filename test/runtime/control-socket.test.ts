// The control socket's edges: one supervisor per socket, other files never deleted, paths that do
// not fit refused, and malformed requests answered with an error instead of breaking anything.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import test from 'ava';
import { ControlServer, Supervisor, controlRequest, silentLogger } from '../../src/runtime/index.ts';
import { fixture, tempDir } from './helpers.ts';

// No actor is started in these tests: the socket only needs a supervisor to ask.
const idle = () => new Supervisor({ children: [{ name: 'idle', module: fixture('tripwire') }] }, silentLogger);

function raw(sock: string, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(sock);
    let buf = '';
    s.setEncoding('utf8');
    s.once('connect', () => s.write(line + '\n'));
    s.on('data', (d: string) => {
      buf += d;
      if (buf.includes('\n')) {
        s.end();
        resolve(buf.trim());
      }
    });
    s.once('error', reject);
  });
}

test('a second supervisor on a live socket is refused; the first keeps answering', async (t) => {
  const sock = path.join(tempDir(t), 'ctl.sock');
  const first = await ControlServer.listen(sock, idle());
  t.teardown(() => first.close());
  await t.throwsAsync(ControlServer.listen(sock, idle()), {
    message: `another supervisor is already running with control socket ${sock}`,
  });
  const res = await controlRequest(sock, { cmd: 'status' });
  t.like(res, { ok: true, result: [{ name: 'idle', state: 'idle', threadId: null }] });
});

test('a file at the socket path that is not a socket is refused and left alone; close removes the socket', async (t) => {
  const sock = path.join(tempDir(t), 'ctl.sock');
  fs.writeFileSync(sock, 'not mine to delete');
  await t.throwsAsync(ControlServer.listen(sock, idle()), {
    message: `${sock} exists and is not a socket: move it away so the control socket can be created`,
  });
  t.is(fs.readFileSync(sock, 'utf8'), 'not mine to delete');
  fs.rmSync(sock);

  const server = await ControlServer.listen(sock, idle());
  t.true(fs.statSync(sock).isSocket());
  t.is(fs.statSync(sock).mode & 0o777, 0o600);
  t.true((await controlRequest(sock, { cmd: 'status' })).ok);
  await server.close();
  t.false(fs.existsSync(sock));
  await t.throwsAsync(controlRequest(sock, { cmd: 'status' }), {
    message: `no running supervisor answers at ${sock} (is batchboard start running for this warehouse?)`,
  });
});

test('a socket path too long for a Unix socket is refused up front', async (t) => {
  const sock = path.join(tempDir(t), 'x'.repeat(120) + '.sock');
  await t.throwsAsync(ControlServer.listen(sock, idle()), {
    message: `control socket path is too long for a Unix socket (${sock.length} > 100 bytes): ${sock}`,
  });
  t.false(fs.existsSync(sock));
});

test('malformed requests get an error answer on the same connection', async (t) => {
  const sock = path.join(tempDir(t), 'ctl.sock');
  const server = await ControlServer.listen(sock, idle());
  t.teardown(() => server.close());
  t.deepEqual(JSON.parse(await raw(sock, 'status please')), { ok: false, error: 'request is not JSON' });
  t.deepEqual(JSON.parse(await raw(sock, '{"cmd":"restart"}')), { ok: false, error: 'restart needs an actor name' });
  t.deepEqual(JSON.parse(await raw(sock, '{"cmd":"restart","name":"ghost"}')), {
    ok: false,
    error: "no actor named 'ghost' (actors: idle)",
  });
  // Still serving.
  t.true((await controlRequest(sock, { cmd: 'status' })).ok);
});
