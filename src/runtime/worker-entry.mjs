// A worker_threads Worker cannot take a .ts entry on Node 20, not even under `--import tsx`:
// this plain entry registers tsx in the thread, then loads the TypeScript runtime.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
