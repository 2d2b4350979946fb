// Regression: a send to an actor without handle() never settled. The receiver closed every port
// it was given, the sender asked for a new link, and so on: a connect storm burning a core. Now
// the send is refused at once, naming the actor, and the receiver is left alone.
import test from 'ava';
import { FAST, captureLogger, fixture, startSupervisor, statusOf, waitFor } from './helpers.ts';
import { recordControlPosts, recordLinkRequests } from './runtime-spy.ts';

test('a send to an actor that has no handle() rejects at once; no connect storm; the receiver runs on', async (t) => {
  const links = recordLinkRequests(t);
  const posts = recordControlPosts(t);
  const logs = captureLogger();
  const sup = await startSupervisor(
    t,
    {
      ...FAST,
      children: [
        { name: 'Idle', module: fixture('ticker'), args: { everyMs: 60_000 } },
        {
          name: 'S',
          module: fixture('sender'),
          restart: 'temporary',
          args: { to: 'Idle', message: { type: 'work', seq: 1, from: 'S' } },
        },
      ],
    },
    logs.log,
  );
  const idleThread = statusOf(sup, 'Idle').threadId;
  const sStarted = logs.of('actor.start', 'S')[0]!.at;
  // A deadline against a hang (the old bug never settled), not a speed claim.
  await waitFor(() => logs.of('actor.crash', 'S').length === 1 && statusOf(sup, 'S').state === 'stopped', {
    timeoutMs: 20_000,
    what: () => `S's send to the handle-less Idle to be refused (S is ${JSON.stringify(statusOf(sup, 'S'))}; ${links.length} link requests)`,
  });
  const crash = logs.of('actor.crash', 'S')[0]!;
  t.log(`refused ${crash.at - sStarted} ms after S started`);
  // The wording is errors.ts's; the error's class (Error, RuntimeError) is not this test's subject.
  t.regex(String(crash.fields.reason), /^\w*Error: actor 'Idle' accepts no messages \(its module has no handle\)$/);
  t.deepEqual(logs.of('sender.sent'), []);

  // "At once": refused on the first and only link request, not after a retry or a timeout; and
  // no storm: the receiver was never handed a port, so it had none to close.
  t.deepEqual(links, [{ from: 'S', to: 'Idle' }], 'link requests');
  t.deepEqual(
    posts.filter((p) => p.t === 'inbound' || p.t === 'outbound' || p.t === 'connect-error'),
    [{ to: 'S', t: 'connect-error' }],
    'link wiring posted to the actors',
  );

  // S is gone for good (temporary), so nothing can ask again; the receiver keeps its thread.
  t.like(statusOf(sup, 'S'), { state: 'stopped', threadId: null, restarts: 0 });
  t.like(statusOf(sup, 'Idle'), { state: 'running', threadId: idleThread, restarts: 0 });
  t.deepEqual(logs.of('actor.crash', 'Idle'), []);
  t.deepEqual(await sup.shutdown(), { code: 0 });
  t.is(links.length, 1, 'no link request after the refusal, up to shutdown');
});
