// Sends records to HopConsumer as fast as credit allows (or paced, for the latency run).
import { defineActor } from '../../src/runtime/index.ts';
import type { HopMsg, Mode } from './hop.ts';

interface Args {
  mode: Mode;
  records: number;
  perMessage: number;
  /** Latency mode: messages per second, and how many. */
  rate?: number;
}

export default defineActor<never, HopMsg>({
  accepts: [],
  create(ctx) {
    const a = ctx.args as Args;
    const send = (m: HopMsg, transfer?: ArrayBuffer[]) => ctx.send('HopConsumer', m, transfer);
    return {
      async run() {
        const startNs = process.hrtime.bigint();
        switch (a.mode) {
          case 'one':
            for (let i = 0; i < a.records; i++) await send({ type: 'one', id: i, studentId: i % 5000, lessonId: i % 40, t: 0 });
            break;
          case 'many':
            for (let i = 0; i < a.records; i += a.perMessage) {
              const records = new Array(a.perMessage);
              for (let j = 0; j < a.perMessage; j++) {
                records[j] = { id: `tr-${i + j}`, studentId: (i + j) % 5000, lessonId: (i + j) % 40, passing: 12, failing: 0 };
              }
              await send({ type: 'many', records });
            }
            break;
          case 'packed':
            for (let i = 0; i < a.records; i += a.perMessage) {
              const buffer = new ArrayBuffer(a.perMessage * 16);
              const v = new Int32Array(buffer);
              for (let j = 0; j < a.perMessage; j++) {
                v[j * 4] = i + j;
                v[j * 4 + 1] = (i + j) % 5000;
                v[j * 4 + 2] = (i + j) % 40;
                v[j * 4 + 3] = 12;
              }
              await send({ type: 'packed', buffer, count: a.perMessage }, [buffer]);
            }
            break;
          case 'latency': {
            // Paced by the clock: each timer tick (about 1 ms) sends the probes that are due, about
            // ten at 10,000/s. Measured: pacing with a setImmediate spin instead kept a core busy
            // and, with the consumer and the main thread on 2 cores, tripled the p99.
            const intervalNs = BigInt(Math.round(1e9 / a.rate!));
            let next = process.hrtime.bigint();
            let sent = 0;
            while (sent < a.records) {
              while (sent < a.records && process.hrtime.bigint() >= next) {
                await send({ type: 'probe', sentNs: process.hrtime.bigint() });
                sent++;
                next += intervalNs;
              }
              await new Promise((r) => setTimeout(r, 1));
            }
            break;
          }
        }
        await send({ type: 'end', startNs, records: a.records });
        await new Promise((r) => ctx.signal.addEventListener('abort', r, { once: true }));
      },
    };
  },
});
