// `npm run bench`: every benchmark, one after the other, each printing the machine and its numbers.
// Flags go to each benchmark (`npm run bench -- --full` adds the 20M-test-run simulator history;
// `-- --quick` shortens the pipeline's).
import { main as runtime } from './runtime.ts';
import { main as simulator } from './simulator.ts';
import { main as splitter } from './splitter.ts';
import { main as freshness } from './freshness.ts';

const argv = process.argv.slice(2);
for (const bench of [runtime, simulator, splitter, freshness]) {
  await bench(argv);
  console.log();
}
