// Records per second through one actor hop (one record per message, 1,000 records per message
// as objects, and 1,000 per message packed in a transferred buffer), and one-way hop latency at
// 10,000 messages/s. Run: node --import=tsx bench/runtime.ts
import { fileURLToPath } from 'node:url';
import { Supervisor, silentLogger } from '../src/runtime/index.ts';
import type { Mode } from './actors/hop.ts';
import { machineLine } from './machine.ts';

const actor = (name: string) => fileURLToPath(new URL(`./actors/${name}.ts`, import.meta.url));

interface Result {
  records: number;
  expected: number;
  seconds: number;
  perSecond: number;
  p50ms: number;
  p99ms: number;
  maxMs: number;
}

async function hop(mode: Mode, records: number, perMessage: number, rate?: number): Promise<Result> {
  const sup = new Supervisor(
    {
      children: [
        { name: 'HopConsumer', module: actor('hop-consumer'), mailboxCapacity: 1024 },
        { name: 'HopProducer', module: actor('hop-producer'), args: { mode, records, perMessage, rate } },
      ],
      heartbeat: { intervalMs: 20, timeoutMs: 10_000 },
    },
    silentLogger,
  );
  await sup.start();
  try {
    for (;;) {
      const c = sup.status()[0]!.counters;
      if (c.done === 1) {
        if (c.records !== c.expected) throw new Error(`lost records: ${c.records} of ${c.expected}`);
        return c as unknown as Result;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await sup.shutdown();
  }
}

/** Wall time of hot restarts of one idle actor: a graceful stop, then a fresh thread ready. */
async function restarts(n: number): Promise<number[]> {
  const sup = new Supervisor({ children: [{ name: 'HopConsumer', module: actor('hop-consumer') }] }, silentLogger);
  await sup.start();
  const times: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await sup.restart('HopConsumer');
      times.push(performance.now() - t0);
    }
  } finally {
    await sup.shutdown();
  }
  return times.sort((a, b) => a - b);
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export async function main(_argv: string[] = []): Promise<void> {
  console.log('# runtime: one actor hop (worker thread → worker thread over a MessagePort)');
  console.log(machineLine());
  const one = await hop('one', 1_000_000, 1);
  console.log(`one record per message      ${fmt(one.perSecond).padStart(12)} records/s  (${fmt(one.records)} in ${one.seconds.toFixed(2)} s)`);
  const many = await hop('many', 5_000_000, 1000);
  console.log(`1,000 objects per message   ${fmt(many.perSecond).padStart(12)} records/s  (${fmt(many.records)} in ${many.seconds.toFixed(2)} s)`);
  const packed = await hop('packed', 20_000_000, 1000);
  console.log(`1,000 packed, transferred   ${fmt(packed.perSecond).padStart(12)} records/s  (${fmt(packed.records)} in ${packed.seconds.toFixed(2)} s)`);
  const lat = await hop('latency', 50_000, 1, 10_000);
  console.log(
    `latency at 10,000 msg/s     p50 ${lat.p50ms.toFixed(3)} ms  p99 ${lat.p99ms.toFixed(3)} ms  max ${lat.maxMs.toFixed(3)} ms  (${fmt(lat.records)} probes over ${lat.seconds.toFixed(1)} s)`,
  );
  const r = await restarts(10);
  console.log(
    `hot restart of an actor      median ${r[5]!.toFixed(0)} ms  min ${r[0]!.toFixed(0)} ms  max ${r[9]!.toFixed(0)} ms  (10 restarts; the new thread loads TypeScript through tsx)`,
  );
  console.log('goals: >= 1,000,000 records/s batched; p99 <= 1 ms');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
