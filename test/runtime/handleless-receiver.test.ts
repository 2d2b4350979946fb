// Regression: a send to an actor without handle() never settled. The receiver closed every port
// it was given, the sender asked for a new link, and so on: a connect storm burning a core. Now
// the send is refused at once, naming the actor, and the receiver is left alone.
import test from 'ava';
import { FAST, captureLogger, fixture, startSupervisor, statusOf, waitFor } from './helpers.ts';

test('a send to an actor that has no handle() rejects at once; no connect storm; the receiver runs on', async (t) => {
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
  const cpuBefore = process.cpuUsage();
  await waitFor(() => logs.of('actor.crash', 'S').length === 1, {
    timeoutMs: 10_000,
    what: () => `S's send to the handle-less Idle to be refused (S is ${JSON.stringify(statusOf(sup, 'S'))})`,
  });
  const crash = logs.of('actor.crash', 'S')[0]!;
  t.is(crash.fields.reason, "Error: actor 'Idle' accepts no messages (its module has no handle)");
  t.true(crash.at - sStarted < 3000, `refused ${crash.at - sStarted} ms after S started`);
  t.deepEqual(logs.of('sender.sent'), []);

  // Sampled window: the receiver keeps its thread, and this process (the supervisor and both
  // actor threads) stays nearly idle: a connect loop would keep a core busy.
  const windowStart = process.cpuUsage();
  const windowBegan = Date.now();
  while (Date.now() - windowBegan < 1000) {
    t.like(statusOf(sup, 'Idle'), { state: 'running', threadId: idleThread, restarts: 0 });
    await new Promise((r) => setTimeout(r, 100));
  }
  const used = process.cpuUsage(windowStart);
  const cpuMs = (used.user + used.system) / 1000;
  const wallMs = Date.now() - windowBegan;
  t.true(cpuMs < 0.3 * wallMs, `${Math.round(cpuMs)} ms of CPU in ${wallMs} ms`);
  const toCrash = process.cpuUsage(cpuBefore);
  t.log(`CPU until the refusal: ${Math.round((toCrash.user + toCrash.system) / 1000)} ms; in the window after: ${Math.round(cpuMs)} ms`);
  t.like(statusOf(sup, 'S'), { state: 'stopped', restarts: 0 });
  t.deepEqual(logs.of('actor.crash', 'Idle'), []);
});
