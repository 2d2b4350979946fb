// Regressions at the control socket's edges: a JSON request that is not an object was answered
// with an internal TypeError; pipelined requests were answered in the order they finished, not
// the order they came; an over-long request was cut off without an answer; and controlRequest
// against a server that closed without answering waited out its whole timeout.
import net from 'node:net';
import path from 'node:path';
import test from 'ava';
import { ControlServer, controlRequest, type ActorStatus } from '../../src/runtime/index.ts';
import { FAST, captureLogger, fixture, startSupervisor, tempDir, waitFor } from './helpers.ts';
import { settledFlag } from '../settled.ts';

const NOT_AN_OBJECT = { ok: false, error: 'request must be a JSON object with a string "cmd"' };
const TOO_LONG = { ok: false, error: 'request longer than 65536 bytes' };

interface Session {
  /** Complete answer lines so far. */
  lines: () => string[];
  closed: () => boolean;
  socket: net.Socket;
}

/** A raw connection that writes `payload` as given and collects what comes back. */
async function session(t: import('ava').ExecutionContext, sock: string, payload: string): Promise<Session> {
  const socket = net.connect(sock);
  t.teardown(() => socket.destroy());
  let buf = '';
  let closed = false;
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (buf += d));
  socket.on('close', () => (closed = true));
  socket.on('error', () => {}); // EPIPE when the server ends a connection we still write to
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write(payload);
  return {
    lines: () => buf.split('\n').slice(0, -1),
    closed: () => closed,
    socket,
  };
}

async function served(t: import('ava').ExecutionContext) {
  const dir = tempDir(t);
  const sock = path.join(dir, 'ctl.sock');
  const sup = await startSupervisor(
    t,
    { ...FAST, children: [{ name: 'T', module: fixture('tripwire') }, { name: 'U', module: fixture('tripwire') }] },
    captureLogger().log,
  );
  const control = await ControlServer.listen(sock, sup);
  t.teardown(() => control.close());
  return { sock, sup };
}

test('JSON that is not an object with a string "cmd" is answered with an error; the connection serves on', async (t) => {
  const { sock } = await served(t);
  const s = await session(t, sock, ['null', '[]', '"status"', '42', '{"cmd":7}', '{"cmd":"status"}'].join('\n') + '\n');
  await waitFor(() => s.lines().length === 6, { what: () => `six answers (got ${JSON.stringify(s.lines())})` });
  const answers = s.lines().map((l) => JSON.parse(l) as unknown);
  t.deepEqual(answers.slice(0, 5), [NOT_AN_OBJECT, NOT_AN_OBJECT, NOT_AN_OBJECT, NOT_AN_OBJECT, NOT_AN_OBJECT]);
  t.like(answers[5], { ok: true, result: [{ name: 'T' }, { name: 'U' }] });
  t.false(s.closed());
});

test('pipelined requests on one connection are answered in order: a slow restart before a quick status', async (t) => {
  const { sock, sup } = await served(t);
  const before = sup.status().find((a) => a.name === 'T')!.threadId;
  const s = await session(t, sock, '{"cmd":"restart","name":"T"}\n{"cmd":"status"}\n');
  await waitFor(() => s.lines().length === 2, { what: () => `two answers (got ${JSON.stringify(s.lines())})` });
  const [first, second] = s.lines().map((l) => JSON.parse(l) as { ok: boolean; result: unknown });
  t.true(first!.ok);
  t.false(Array.isArray(first!.result), 'the first answer is the restart, not the status');
  const restarted = first!.result as ActorStatus;
  t.like(restarted, { name: 'T', state: 'running', restarts: 1 });
  t.not(restarted.threadId, before);
  t.true(second!.ok);
  const status = second!.result as ActorStatus[];
  t.deepEqual(status.map((a) => a.name), ['T', 'U']);
  t.is(status[0]!.threadId, restarted.threadId, 'the status was taken after the restart');
});

test('a request over 64 KiB is answered with an error and the connection is closed', async (t) => {
  const { sock } = await served(t);
  const s = await session(t, sock, 'x'.repeat(70 * 1024)); // no newline yet
  await waitFor(() => s.closed(), { timeoutMs: 5000, what: 'the server to close the connection' });
  t.deepEqual(s.lines().map((l) => JSON.parse(l) as unknown), [TOO_LONG]);
  // The server is fine.
  t.true((await controlRequest(sock, { cmd: 'status' })).ok);
});

// Each complete line is measured too, in bytes: a 70 KiB line whose newline arrives in a later
// chunk must not be read whole.
test('a 70 KiB line that ends with its newline is refused as too long as well', async (t) => {
  const { sock } = await served(t);
  const s = await session(t, sock, 'x'.repeat(70 * 1024) + '\n');
  await waitFor(() => s.lines().length >= 1, { timeoutMs: 5000, what: 'an answer' });
  t.deepEqual(JSON.parse(s.lines()[0]!), TOO_LONG);
  await waitFor(() => s.closed(), { timeoutMs: 5000, what: 'the server to close the connection' });
});

// The too-long answer waits its turn behind the answer to an earlier complete request.
test('a complete request before an over-long one is still answered, first', async (t) => {
  const { sock } = await served(t);
  const s = await session(t, sock, '{"cmd":"restart","name":"T"}\n' + 'x'.repeat(70 * 1024));
  await waitFor(() => s.closed(), { timeoutMs: 10_000, what: 'the server to close the connection' });
  const answers = s.lines().map((l) => JSON.parse(l) as { ok: boolean; result?: { name?: string } });
  t.is(answers.length, 2, `answers: ${JSON.stringify(answers)}`);
  t.like(answers[0], { ok: true, result: { name: 'T' } });
  t.deepEqual(answers[1], TOO_LONG);
});

/** A stand-in "supervisor" that does `behave` with each connection. */
async function fakeServer(t: import('ava').ExecutionContext, behave: (s: net.Socket) => void): Promise<string> {
  const sock = path.join(tempDir(t), 'fake.sock');
  const open = new Set<net.Socket>();
  const server = net.createServer((s) => {
    open.add(s);
    s.on('error', () => {});
    s.resume(); // read, so that the client's end is seen and the socket closes
    behave(s);
  });
  await new Promise<void>((resolve) => server.listen(sock, resolve));
  t.teardown(() => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of open) s.destroy();
    return closed;
  });
  return sock;
}

const cases: Array<[string, (s: net.Socket) => void, string]> = [
  ['closes at once', (s) => s.end(), 'closed the connection without answering'],
  ['closes after reading the request', (s) => s.once('data', () => s.end()), 'closed the connection without answering'],
  ['closes mid-answer', (s) => s.once('data', () => s.end('{"ok":tr')), 'closed the connection without answering'],
  ['answers something that is not JSON', (s) => s.once('data', () => s.end('hello\n')), 'answered something that is not JSON'],
];
// A timeout far above any deadline here: a client that waited it out instead of seeing the close
// (or the garbled answer) fails on the deadline, whatever the machine's load.
const CLIENT_TIMEOUT_MS = 100_000;
for (const [what, behave, message] of cases) {
  test(`controlRequest to a server that ${what} rejects promptly`, async (t) => {
    const sock = await fakeServer(t, behave);
    const began = Date.now();
    const request = controlRequest(sock, { cmd: 'status' }, CLIENT_TIMEOUT_MS);
    await waitFor(settledFlag(request), { timeoutMs: 15_000, what: 'controlRequest to settle' });
    t.log(`settled after ${Date.now() - began} ms`);
    await t.throwsAsync(request, { message: `the supervisor at ${sock} ${message}` });
  });
}
