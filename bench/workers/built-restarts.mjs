// Hot restarts through the runtime's API on the built JavaScript: a Supervisor from dist/ over
// one plain-JavaScript actor, in a process of its own started with plain `node`, since worker
// threads inherit their parent's execArgv and bench/runtime.ts runs under --import=tsx (a
// thread of that process would load tsx however its entry is written). Interleaved with it, the
// floor: a bare worker thread (bare-thread.mjs) told to exit, and a new one ready, no runtime.
// Prints one JSON line: { restarts, bare }, the wall times in ms of `count` of each (after
// `warmup` more), sorted.
// Run: node bench/workers/built-restarts.mjs [count] [warmup]   (dist/ built: run the bin once)
import { Worker } from 'node:worker_threads';

const { Supervisor, silentLogger } = await import('../../dist/runtime/index.js');

const count = Number(process.argv[2] ?? 15);
const warmup = Number(process.argv[3] ?? 3);
const IDLE = new URL('../actors/idle.mjs', import.meta.url).href;
const BARE = new URL('./bare-thread.mjs', import.meta.url);

const ready = (w) => new Promise((resolve) => w.once('message', resolve));

const sup = new Supervisor({ children: [{ name: 'Idle', module: IDLE }] }, silentLogger);
await sup.start();
let bare = new Worker(BARE);
await ready(bare);
const times = { restarts: [], bare: [] };
try {
  for (let i = 0; i < warmup + count; i++) {
    let t0 = performance.now();
    await sup.restart('Idle');
    if (i >= warmup) times.restarts.push(performance.now() - t0);

    t0 = performance.now();
    const exited = new Promise((resolve) => bare.once('exit', resolve));
    bare.postMessage('stop');
    await exited;
    bare = new Worker(BARE);
    await ready(bare);
    if (i >= warmup) times.bare.push(performance.now() - t0);
  }
} finally {
  await bare.terminate();
  await sup.shutdown();
}
for (const t of Object.values(times)) t.sort((a, b) => a - b);
process.stdout.write(JSON.stringify(times) + '\n');
