/**
 * `npm run bench`: every benchmark, one after the other, each in its own
 * process so none warms another's caches. `npm run bench -- NAME…` runs some.
 * Results: bench/results/<name>.json, one line each in bench/results/README.md.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCHES = ['gateway-overhead', 'observability-cost', 'deploy-time', 'cold-start', 'onnx-batching', 'shared-quotas', 'gateway-workers', 'spam-vs-fastapi', 'gateway-floor', 'haproxy-propagation', 'haproxy-config-cost'];
const here = path.dirname(fileURLToPath(import.meta.url));
const chosen = process.argv.slice(2).length > 0 ? process.argv.slice(2) : BENCHES;

for (const name of chosen) {
  if (!BENCHES.includes(name)) throw new Error(`unknown benchmark ${name}; expected one of ${BENCHES.join(', ')}`);
  console.log(`\n== ${name}`);
  // One gateway process unless a benchmark sets gateway.workers (gateway-workers does): the figures before it were measured so.
  execFileSync(process.execPath, [path.join(here, `${name}.js`)], { stdio: 'inherit', env: { MLAAS_GATEWAY_WORKERS: '1', ...process.env } });
}
