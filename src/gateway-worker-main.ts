/** The entry point `mlaas up` forks gateway workers with (cluster.setupPrimary's `exec`): see gateway-worker.ts. */
import { runGatewayWorker } from './gateway-worker.js';

await runGatewayWorker();
