// A worker thread cannot take a .ts entry on Node 20: from the TypeScript sources (tests through
// tsx) this plain entry registers tsx in the thread, then loads the scan task. From dist/ the
// pool starts on worker.js itself (scan.ts chooses).
import { register } from 'tsx/esm/api';

register();
const { scanTask } = await import('./task.ts');
export default scanTask;
