// Hot restarts through the control socket while messages flow: a gracefully restarted receiver
// drains what it accepted and its senders wait for the next incarnation, so every message a
// producer saw accepted is handled exactly once, in order, and the other actors never notice.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { ControlServer, controlRequest, type ActorStatus } from '../../src/runtime/index.ts';
import { FAST, captureLogger, fixture, readLines, startSupervisor, statusOf, tempDir, waitFor } from './helpers.ts';

test('hot restarts over the control socket lose and duplicate nothing', async (t) => {
  const dir = tempDir(t);
  const sock = path.join(dir, 'ctl.sock');
  const handledFile = path.join(dir, 'handled');
  const acceptedFile = path.join(dir, 'accepted');
  const logs = captureLogger();
  // Producers without end: the restarts always land mid-stream, however slow the machine.
  const producer = (name: string) => ({
    name,
    module: fixture('producer'),
    args: { to: 'consumer', acceptedFile, resume: true, publishEvery: 50 },
  });
  const sup = await startSupervisor(
    t,
    {
      ...FAST,
      strategy: 'one_for_one',
      children: [
        { name: 'consumer', module: fixture('consumer'), args: { handledFile, delayMs: 1 }, mailboxCapacity: 32 },
        producer('P1'),
        producer('P2'),
        { name: 'bystander', module: fixture('tripwire') },
      ],
    },
    logs.log,
  );
  const diagnose = () =>
    `accepted ${readLines(acceptedFile).length}, handled ${readLines(handledFile).length}; ` +
    `status ${JSON.stringify(sup.status())}; last events ${JSON.stringify(logs.entries.slice(-12))}`;
  const control = await ControlServer.listen(sock, sup);
  t.teardown(() => control.close());

  t.true(fs.statSync(sock).isSocket());
  t.is(fs.statSync(sock).mode & 0o777, 0o600, 'the socket is reachable by its owner only');

  const threads = new Map(sup.status().map((s) => [s.name, s.threadId]));
  const checkSteady = () => {
    for (const name of ['P2', 'bystander']) t.is(statusOf(sup, name).threadId, threads.get(name)!, `${name} kept its thread`);
  };

  // Restart mid-stream, each time after some more messages were handled.
  const plan = ['consumer', 'consumer', 'P1', 'consumer', 'consumer'];
  for (const [i, name] of plan.entries()) {
    const mark = readLines(handledFile).length;
    await waitFor(() => readLines(handledFile).length >= mark + 150, {
      what: () => `150 more messages handled before restart ${i + 1} (${diagnose()})`,
    });
    const oldThread = statusOf(sup, name).threadId;
    const res = await controlRequest(sock, { cmd: 'restart', name });
    t.true(res.ok, `restart ${i + 1} of ${name}: ${JSON.stringify(res)}`);
    const after = (res as { ok: true; result: ActorStatus }).result;
    t.is(after.name, name);
    t.is(after.state, 'running');
    t.not(after.threadId, oldThread, `${name} is on a new thread after restart ${i + 1}`);
    checkSteady();
  }
  const mark = readLines(handledFile).length;
  await waitFor(() => readLines(handledFile).length >= mark + 150, { what: () => `messages flowing after the restarts (${diagnose()})` });

  // Status over the socket, while messages flow: every actor, with its state, thread, restarts,
  // mailbox and counters.
  const res = await controlRequest(sock, { cmd: 'status' });
  t.true(res.ok);
  const status = (res as { ok: true; result: ActorStatus[] }).result;
  t.deepEqual(
    status.map((s) => [s.name, s.state, s.restarts, s.threadId, s.lastError]),
    sup.status().map((s) => [s.name, 'running', { consumer: 4, P1: 1 }[s.name] ?? 0, s.threadId, null]),
  );
  for (const s of status) {
    t.is(typeof s.threadId, 'number');
    t.true(Number.isInteger(s.mailboxDepth) && s.mailboxDepth >= 0 && s.mailboxDepth <= s.mailboxCapacity, `${s.name} mailbox`);
    t.true(Number.isInteger(s.handled) && s.handled >= 0);
    t.true(s.heapUsed > 0, `${s.name} heapUsed ${JSON.stringify(s)}`);
    t.is(typeof s.counters, 'object');
  }
  const consumer = status.find((s) => s.name === 'consumer')!;
  t.is(consumer.mailboxCapacity, 32);
  t.true(consumer.handled > 0, 'the newest consumer incarnation has handled messages');
  checkSteady();

  // Mistakes over the socket are answered, not fatal.
  t.deepEqual(await controlRequest(sock, { cmd: 'restart', name: 'nope' }), {
    ok: false,
    error: "no actor named 'nope' (actors: consumer, P1, P2, bystander)",
  });
  t.deepEqual(await controlRequest(sock, { cmd: 'launch' } as never), { ok: false, error: 'unknown control command "launch"' });

  // A graceful shutdown stops the producers first and lets the consumer drain; then the files
  // tell: exactly once and in order, per producer; accepted and handled are the same messages.
  t.deepEqual(await sup.shutdown(), { code: 0 });
  const handled = readLines(handledFile);
  const accepted = readLines(acceptedFile);
  t.log(`${handled.length} messages handled across ${plan.length} restarts`);
  t.true(handled.length > 0);
  t.is(new Set(handled).size, handled.length, 'no message handled twice');
  t.deepEqual([...handled].sort(), [...accepted].sort(), 'every accepted message handled, nothing else');
  for (const p of ['P1', 'P2']) {
    const seqs = handled.filter((l) => l.startsWith(`${p}:`)).map((l) => Number(l.slice(p.length + 1)));
    t.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i), `${p}'s messages handled once each, in order`);
  }

  t.deepEqual(logs.of('actor.crash'), [], 'nothing crashed');
  t.deepEqual(
    logs.of('actor.restart').map((e) => [e.fields.actor, e.fields.reason]),
    plan.map((name) => [name, 'requested']),
  );
});
