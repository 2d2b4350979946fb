// The least a worker thread can be, for the floor under a hot restart (built-restarts.mjs):
// it says it is ready and exits when told.
import { parentPort } from 'node:worker_threads';

parentPort.postMessage('ready');
parentPort.once('message', () => process.exit(0));
