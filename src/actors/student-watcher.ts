// StudentWatcher: streams the source `students` table (CONTRACTS §2) to the Aggregator. The
// following itself (new rows by data_version, back-fills by range counts, busy and missing files)
// is sources/students/follower.ts.
import { defineSource } from './source.ts';
import { StudentsFollower } from '../sources/students/follower.ts';

export interface StudentWatcherArgs {
  /** Path of the source students.db. */
  students: string;
  /** How often to look for commits, ms. Default 50. */
  pollMs?: number;
  /** How often to look for back-filled rows below the hwm, ms. Default 1000. */
  reconcileMs?: number;
  /** Rows per statement and per message. Default 1000 (~2 ms to read). */
  batchSize?: number;
}

export default defineSource({
  source: 'students',
  lagUnit: 'rows',
  args: (a): Required<StudentWatcherArgs> => ({
    students: a.string('students', 'the path of students.db'),
    pollMs: a.int('pollMs', 50),
    reconcileMs: a.int('reconcileMs', 1000),
    batchSize: a.int('batchSize', 1000),
  }),
  shown: (offset) => offset.hwm,
  create(ctx, args) {
    let follower: StudentsFollower | null = null;
    return {
      async run(from) {
        follower = new StudentsFollower({ ...args, signal: ctx.signal }, { hwm: from.offset.hwm, known: from.known }, {
          async deliver(students, rejected, hwm) {
            await ctx.send({ type: 'students', students, rejected, offset: { hwm } });
            ctx.counted(students.length, rejected.length);
          },
          log: (event, fields) => ctx.log(event, fields),
          progress: (hwm, lag, counts) => {
            ctx.position(hwm, lag);
            ctx.publish(counts);
          },
          sleep: (ms) => ctx.pause(ms),
        });
        await follower.run();
      },
      committed(ack) {
        follower?.committed(ack.offset.hwm);
      },
      stop() {
        follower?.close();
      },
    };
  },
});
