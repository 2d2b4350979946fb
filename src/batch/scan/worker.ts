// The thread side of the parallel scan (piscina): one task at a time, see task.ts.
import { scanTask } from './task.ts';

export default scanTask;
