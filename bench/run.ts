// `npm run bench`: every benchmark, one after the other, each printing the machine and its numbers.
import { main as runtime } from './runtime.ts';

for (const bench of [runtime]) {
  await bench();
  console.log();
}
