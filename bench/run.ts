// `npm run bench`: every benchmark, one after the other, each printing the machine and its numbers.
// Flags go to each benchmark (`npm run bench -- --full` adds the 20M-test-run simulator history;
// `-- --quick` shortens the pipeline's; `-- --small` runs rebuild against DuckDB at 2M runs only).
// page.ts measures the live page in Debian's chromium (issue 12).
// The SQLite and PostgreSQL warehouses side by side: freshness.ts, rebuild.ts and pg-writer.ts run
// both (PostgreSQL on the local server, BATCHBOARD_TEST_PG to name another; `-- --no-pg` leaves it out of rebuild).
import { main as runtime } from './runtime.ts';
import { main as simulator } from './simulator.ts';
import { main as splitter } from './splitter.ts';
import { main as freshness } from './freshness.ts';
import { main as rebuild } from './rebuild.ts';
import { main as coldstart } from './coldstart.ts';
import { main as completions } from './completions.ts';
import { main as pgWriter } from './pg-writer.ts';
import { main as page } from './page.ts';

const argv = process.argv.slice(2);
for (const bench of [runtime, simulator, splitter, freshness, rebuild, coldstart, completions, pgWriter, page]) {
  await bench(argv);
  console.log();
}
