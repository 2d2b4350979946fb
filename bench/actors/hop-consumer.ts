// Receives records and, at the end marker, publishes the throughput and latency it saw.
import { defineActor } from '../../src/runtime/index.ts';
import type { HopMsg } from './hop.ts';

export default defineActor<HopMsg, never>({
  accepts: ['one', 'many', 'packed', 'probe', 'end'],
  create(ctx) {
    let records = 0;
    let checksum = 0;
    const latencies: number[] = [];
    return {
      handle(m) {
        switch (m.type) {
          case 'one':
            records++;
            checksum += m.lessonId;
            return;
          case 'many':
            records += m.records.length;
            for (const r of m.records) checksum += r.lessonId;
            return;
          case 'packed': {
            const v = new Int32Array(m.buffer);
            for (let j = 0; j < m.count; j++) checksum += v[j * 4 + 2]!;
            records += m.count;
            return;
          }
          case 'probe':
            latencies.push(Number(process.hrtime.bigint() - m.sentNs) / 1e6);
            records++;
            return;
          case 'end': {
            const seconds = Number(process.hrtime.bigint() - m.startNs) / 1e9;
            latencies.sort((x, y) => x - y);
            const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
            ctx.publish({
              done: 1,
              records,
              expected: m.records,
              checksum,
              seconds,
              perSecond: Math.round(records / seconds),
              p50ms: q(0.5),
              p99ms: q(0.99),
              maxMs: latencies.at(-1) ?? 0,
            });
            return;
          }
          default: {
            const never: never = m;
            throw new Error(`unexpected ${JSON.stringify(never)}`);
          }
        }
      },
    };
  },
});
