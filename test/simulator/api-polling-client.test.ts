// CONTRACTS §1 end to end: a client that polls by its (created_at, id) cursor, re-reads a look-back
// window of 60 s, keeps the latest version of each id and rejects invalid entries once each, ends
// with exactly the ledger's batches, through late batches, batches served again, ties and invalid
// ones. A window one millisecond short misses late batches.
import test from 'ava';
import { batchProblem, LATE_BATCH_MAX_MS, type Simulator } from '../../src/simulator/index.ts';
import { getPage, startSim, type ApiBatch } from './helpers.ts';

class Client {
  readonly batches = new Map<number, ApiBatch>();
  readonly rejected = new Set<string>();
  private newestMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly lookBackMs: number) {}

  async poll(api: string): Promise<void> {
    let cursor: { after: string; id?: number } | null = Number.isFinite(this.newestMs) ? { after: new Date(this.newestMs - this.lookBackMs).toISOString() } : null;
    for (;;) {
      const q = new URLSearchParams({ limit: '100' });
      if (cursor !== null) q.set('after', cursor.after);
      if (cursor?.id !== undefined) q.set('after_id', String(cursor.id));
      const page = (await getPage(`${api}/batches?${q}`)) as unknown as { batches: Record<string, unknown>[]; has_more: boolean };
      let last: ApiBatch | null = null;
      for (const entry of page.batches) {
        if (batchProblem(entry) !== null) {
          this.rejected.add(JSON.stringify(entry));
          continue;
        }
        const b = entry as unknown as ApiBatch;
        this.batches.set(b.id, b);
        this.newestMs = Math.max(this.newestMs, Date.parse(b.created_at));
        last = b;
      }
      if (!page.has_more) return;
      if (last === null) throw new Error('a full page without a valid batch: no cursor to go on from');
      cursor = { after: last.created_at, id: last.id };
    }
  }
}

async function run(sim: Simulator, clients: Client[], steps: number): Promise<void> {
  for (let i = 0; i < steps; i++) {
    sim.step(500);
    for (const c of clients) await c.poll(sim.apiUrl);
  }
}

test('a client with a 60 s look-back ends with the ledger: latest versions, late batches, rejected once', async (t) => {
  const sim = await startSim(t, {
    seed: 11,
    history: { batches: 50, students: 0, testRuns: 0 },
    live: { manual: true, batchesPerSec: 2, studentsPerSec: 0, testRunsPerSec: 0 },
    faults: { 'late-batches': 0.3, 'duplicate-batches': 0.2, 'invalid-batches': 0.1, 'ties': 0.01 },
    tuning: { tieSize: 120 },
  });
  const full = new Client(LATE_BATCH_MAX_MS + 1);
  const short = new Client(LATE_BATCH_MAX_MS);
  await run(sim, [full, short], 300);

  const ledger = Object.fromEntries(sim.ledger.batches);
  t.deepEqual(Object.fromEntries(full.batches), ledger);
  t.is(full.rejected.size, sim.ledger.rejectedBatches.length);
  t.is(full.rejected.size, sim.expected().rejected.batches);
  t.true(sim.ledger.published.length > sim.ledger.batches.size, 'some batch served again');
  t.true(sim.ledger.rejectedBatches.length > 0);
  const missed = [...sim.ledger.batches.keys()].filter((id) => !short.batches.has(id));
  t.true(missed.length > 0, 'late batches at exactly 60 s escape a window 1 ms short');
});
