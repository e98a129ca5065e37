/**
 * What `gateway.workers` buys: requests/s of `mlaas up` with one gateway
 * process and with N (one per core), and of nginx with N worker processes,
 * each in front of the same bare Node backend, in one run. Rounds alternate
 * so that drift of a shared machine falls on all three; the figures are the
 * ratios. The load generator, the backend and the platform's primary share
 * the same cores as the workers: on a small machine the gain is small.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startMlaasUp, type MlaasUp } from '../test/e2e/mlaas-process.js';
import { freePort } from '../src/runtime/free-port.js';
import { startBareBackend } from './bare-backend.js';
import { loadGenerator, type LoadResult } from './load-generator.js';
import { startNginxProxy } from './nginx-proxy.js';
import { writeProxyPlatform } from './proxy-platform.js';
import { round, writeResult } from './spam-filter-platform.js';

const DURATION_S = Number(process.env['BENCH_DURATION_S'] ?? 10);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 32);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const WORKERS = Number(process.env['BENCH_WORKERS'] ?? os.availableParallelism());

async function main(): Promise<void> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'mlaas-bench-workers-'));
  const backend = await startBareBackend();
  const platforms: MlaasUp[] = [];
  const nginx = await startNginxProxy(backend.port, await freePort(), WORKERS);
  try {
    writeProxyPlatform(path.join(root, 'one'), backend.url, { title: 'gateway workers bench', gateway: 'workers: 1' });
    writeProxyPlatform(path.join(root, 'many'), backend.url, { title: 'gateway workers bench', gateway: `workers: ${WORKERS}` });
    const one = await startMlaasUp(path.join(root, 'one'), 'state');
    platforms.push(one);
    const many = await startMlaasUp(path.join(root, 'many'), 'state');
    platforms.push(many);
    const generator = loadGenerator();
    const common = { durationS: DURATION_S, connections: CONNECTIONS, body: '{}' };
    const targets = {
      one: { url: `${one.gatewayUrl}/v1/predict`, headers: { 'x-api-key': one.demoKey } },
      many: { url: `${many.gatewayUrl}/v1/predict`, headers: { 'x-api-key': many.demoKey } },
      ...(nginx === undefined ? {} : { nginx: { url: `${nginx.url}/predict`, headers: {} } }),
    };
    const runs: Record<string, LoadResult[]> = {};
    for (const [name, target] of Object.entries(targets)) {
      await generator.run({ ...common, durationS: 2, ...target });
      runs[name] = [];
    }
    for (let i = 0; i < ROUNDS; i++) {
      for (const [name, target] of Object.entries(targets)) runs[name]?.push(await generator.run({ ...common, ...target }));
    }
    const mean = (rs: LoadResult[], f: (r: LoadResult) => number): number => rs.reduce((a, r) => a + f(r), 0) / rs.length;
    const summary = (rs: LoadResult[] | undefined) =>
      rs === undefined
        ? null
        : {
            requestsPerSec: round(mean(rs, (r) => r.requestsPerSec), 0),
            p50Ms: round(mean(rs, (r) => r.latencyMs.p50)),
            p99Ms: round(mean(rs, (r) => r.latencyMs.p99)),
            failed: rs.reduce((a, r) => a + r.errors + r.non2xx, 0),
          };
    const oneWorker = summary(runs['one']);
    const nWorkers = summary(runs['many']);
    const viaNginx = summary(runs['nginx']);
    if (oneWorker === null || nWorkers === null) throw new Error('a gateway was not measured');
    const ratios = {
      throughputNOverOne: round(nWorkers.requestsPerSec / oneWorker.requestsPerSec),
      throughputNOverNginx: viaNginx === null ? null : round(nWorkers.requestsPerSec / viaNginx.requestsPerSec),
      throughputOneOverNginx: viaNginx === null ? null : round(oneWorker.requestsPerSec / viaNginx.requestsPerSec),
      p50NOverOne: round(nWorkers.p50Ms / oneWorker.p50Ms),
    };
    writeResult(
      'gateway-workers',
      { tool: generator.name, cores: os.availableParallelism(), workers: WORKERS, durationS: DURATION_S, connections: CONNECTIONS, rounds: ROUNDS, oneWorker, nWorkers, nginx: viaNginx, runs, ratios },
      `${generator.name} c=${CONNECTIONS}, ${ROUNDS}×${DURATION_S}s each, alternating, ${os.availableParallelism()} cores shared with the load generator and backend: ` +
        `gateway 1 worker ${oneWorker.requestsPerSec} req/s, ${WORKERS} workers ${nWorkers.requestsPerSec} req/s (×${ratios.throughputNOverOne}), ` +
        (viaNginx === null
          ? 'nginx not measured (not installed); '
          : `nginx ${WORKERS} workers ${viaNginx.requestsPerSec} req/s (gateway ${WORKERS}/nginx ×${ratios.throughputNOverNginx}, 1/nginx ×${ratios.throughputOneOverNginx}); `) +
        `p50 ${oneWorker.p50Ms} vs ${nWorkers.p50Ms} ms; failed ${oneWorker.failed + nWorkers.failed}`,
    );
  } finally {
    await Promise.all(platforms.map((p) => p.stop()));
    await nginx?.stop();
    backend.child.kill();
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
