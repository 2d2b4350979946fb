// Issue 10's compact completion set: memory per completion of the writer's in-memory set
// (src/storage/completion-index.ts, CompletionIndex) holding 20,000,000 distinct completions spread
// over 100,000 students x 1,000 lessons, each with its time (and per student what qualified_at is
// read from). Each case runs in a child process of its own
// (bench/workers/completions.ts, with --expose-gc): memory = growth of the V8 heap plus of memory
// outside it (external, which holds the typed arrays' backing stores), after full GCs; also the
// time to add them, and the child's peak RSS (growing a table holds old and new arrays at once).
// Cases: presized (`new CompletionIndex(n, 3)`, as the writer does with the count it loads), and
// grown from no capacity (`new CompletionIndex(0, 3)`) (a warehouse that starts empty and fills while streaming).
// Goal: "at most 16 bytes a completion, so 20,000,000 completions fit in 400 MB".
// Run: node --import=tsx bench/completions.ts [--completions N]
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { machineLine } from './machine.ts';
import { codeLine } from './measure.ts';

const CHILD = fileURLToPath(new URL('./workers/completions.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (b: number) => `${(b / 1e6).toFixed(0)} MB`;

interface Out {
  size: number;
  sizeAfterAgain: number;
  again: number;
  changedAgain: number;
  maybeAgain: number;
  addMs: number;
  addCpuMs: number;
  againMs: number;
  heapBytes: number;
  externalBytes: number;
  arrayBuffersBytes: number;
  rssBytes: number;
  maxRssBytes: number;
}

export async function main(argv: string[] = []): Promise<void> {
  const i = argv.indexOf('--completions');
  const n = i >= 0 ? Number(argv[i + 1]) : 20_000_000;
  const students = 100_000;
  const lessons = 1_000;
  console.log('# completions: memory of the writer\'s in-memory completion set (bench/completions.ts)');
  console.log(machineLine());
  console.log(codeLine(ROOT));
  console.log(`${fmt(n)} distinct pseudo-random (student, lesson) pairs over ${fmt(students)} students x ${fmt(lessons)} lessons; memory = heap + external growth after gc, in a child process each`);
  const results: [string, Out][] = [];
  for (const [label, capacity] of [['presized: new CompletionIndex(n, 3)', n], ['grown: new CompletionIndex(0, 3)', null]] as const) {
    const r = spawnSync(process.execPath, ['--expose-gc', '--import=tsx', CHILD, JSON.stringify({ n, students, lessons, capacity })], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    if (r.status !== 0) {
      console.log(`${label}: the child failed (${r.status ?? r.signal}): ${r.stderr.trim().split('\n').slice(-5).join(' | ')}`);
      continue;
    }
    const o = JSON.parse(r.stdout) as Out;
    results.push([label, o]);
    const total = o.heapBytes + o.externalBytes;
    const problems = [o.size !== n ? `size ${fmt(o.size)}, expected ${fmt(n)}` : '', o.sizeAfterAgain !== o.size ? `adding ${fmt(o.again)} pairs again changed the size to ${fmt(o.sizeAfterAgain)}` : '',
      o.changedAgain !== 0 ? `adding ${fmt(o.again)} pairs again at their times changed ${fmt(o.changedAgain)}` : '']
      .filter((s) => s !== '')
      .join('; ');
    console.log(
      `  ${label.padEnd(38)} ${(total / n).toFixed(1).padStart(5)} bytes a completion, ${mb(total)} in all (heap ${mb(o.heapBytes)}, external ${mb(o.externalBytes)} of which ArrayBuffers ${mb(o.arrayBuffersBytes)}; ` +
        `rss +${mb(o.rssBytes)}, peak RSS ${mb(o.maxRssBytes)}) | add ${(o.addMs / 1000).toFixed(2)} s (CPU ${(o.addCpuMs / 1000).toFixed(2)} s) = ${fmt(n / (o.addMs / 1000))}/s, ` +
        `${fmt(o.again)} again ${(o.againMs / 1000).toFixed(2)} s (${fmt(o.maybeAgain)} of them to be stored again: known pairs outside a student's first lessons)${problems === '' ? '' : ` | WRONG: ${problems}`}`,
    );
  }
  for (const [label, o] of results) {
    const total = o.heapBytes + o.externalBytes;
    const per = total / n;
    // 400 MB for 20,000,000, in proportion for another count.
    const budget = (400e6 * n) / 20_000_000;
    console.log(`goal: at most 16 bytes a completion, so ${fmt(n)} completions fit in ${mb(budget)} (${label}): ${per.toFixed(1)} bytes, ${mb(total)}: ${per <= 16 && total <= budget ? 'met' : 'NOT MET'}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main(process.argv.slice(2));
