// Two machines' logs from one simulator (CONTRACTS §4b: one pipeline per machine, each tailing
// its own test_runs.log): the simulator's log, as it grows, dealt line by line into two logs, and
// every 7th valid line written to both, so that the two pipelines see some completions alike (the
// warehouse must count them once). Bad lines go to one log only: each is one rejected record.
// Nothing is lost: the union of the two logs is the simulator's log, so its ledger is the
// expectation.
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import type { Simulator } from '../../src/simulator/index.ts';

/** The simulator's well-formed line (src/simulator/gen-runs.ts); bad lines never match. */
const GOOD = /^\{"id": "tr-\d+", "student_id": \d+, "lesson_id": \d+, "passing_count": \d+, "failure_count": \d+, "created_at": "\d{4}-\d\d-\d\dT[\d:.]+Z"\}$/;

export class LogSplitter {
  private readonly src: number;
  private readonly out: [number, number];
  private pos = 0;
  private rest = '';
  private n = 0;
  /** Lines written to both logs. */
  both = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly sim: Simulator,
    readonly a: string,
    readonly b: string,
  ) {
    this.src = openSync(sim.logPath, 'r');
    this.out = [openSync(a, 'a'), openSync(b, 'a')];
  }

  /** Deals what the simulator's log holds now; returns whether there was anything. */
  pump(): boolean {
    const size = fstatSync(this.src).size;
    if (size <= this.pos) return false;
    const buf = Buffer.allocUnsafe(Math.min(size - this.pos, 8 << 20));
    const got = readSync(this.src, buf, 0, buf.length, this.pos);
    this.pos += got;
    const text = this.rest + buf.toString('utf8', 0, got);
    const end = text.lastIndexOf('\n');
    this.rest = text.slice(end + 1);
    if (end < 0) return true;
    const parts: [string[], string[]] = [[], []];
    for (const line of text.slice(0, end).split('\n')) {
      const i = this.n++ % 2;
      parts[i]!.push(line);
      if (this.n % 7 === 0 && GOOD.test(line)) {
        parts[1 - i]!.push(line);
        this.both++;
      }
    }
    for (const i of [0, 1] as const) if (parts[i].length > 0) writeSync(this.out[i], parts[i].join('\n') + '\n');
    return true;
  }

  /** Deals every 10 ms until stopped. */
  run(): void {
    this.timer ??= setInterval(() => this.pump(), 10);
  }

  /** Waits until the simulator's writes are in its log, then deals all of it. */
  async drain(): Promise<void> {
    await this.sim.settled();
    while (this.pump());
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    for (const fd of [this.src, ...this.out]) closeSync(fd);
  }
}
