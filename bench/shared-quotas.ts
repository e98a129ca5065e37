/**
 * What sharing quotas through Redis costs: two `mlaas up` platforms in front
 * of the same bare Node backend, a tenant whose key has a per-key and a
 * per-tenant limit, each with a burst (four counters per request), never
 * reached; one counts in process, the other in a local redis-server
 * (`quotas.redis`). Rounds alternate so that drift of a shared machine falls
 * on both; the figure is the ratio of their throughput and latency.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startRedis } from '../test/redis-server.js';
import { startMlaasUp, type MlaasUp } from '../test/e2e/mlaas-process.js';
import { startBareBackend } from './bare-backend.js';
import { loadGenerator, type LoadResult } from './load-generator.js';
import { writeProxyPlatform } from './proxy-platform.js';
import { round, writeResult } from './spam-filter-platform.js';

const DURATION_S = Number(process.env['BENCH_DURATION_S'] ?? 10);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 32);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const UNREACHED = '{ requestsPerMinute: 1000000000, burst: 1000000000 }';

async function main(): Promise<void> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'mlaas-bench-quotas-'));
  const redis = await startRedis();
  const backend = await startBareBackend();
  const platforms: MlaasUp[] = [];
  try {
    const tenant = `quota: ${UNREACHED}, keyQuota: ${UNREACHED}`;
    writeProxyPlatform(path.join(root, 'local'), backend.url, { title: 'shared quotas bench', tenant });
    writeProxyPlatform(path.join(root, 'redis'), backend.url, { title: 'shared quotas bench', tenant, settings: `quotas: { redis: '${redis.url}' }` });
    const local = await startMlaasUp(path.join(root, 'local'), 'state');
    platforms.push(local);
    const shared = await startMlaasUp(path.join(root, 'redis'), 'state');
    platforms.push(shared);
    const generator = loadGenerator();
    const common = { durationS: DURATION_S, connections: CONNECTIONS, body: '{}' };
    const target = (up: MlaasUp) => ({ url: `${up.gatewayUrl}/v1/predict`, headers: { 'x-api-key': up.demoKey } });
    for (const up of platforms) await generator.run({ ...common, durationS: 2, ...target(up) });
    const runs: { local: LoadResult[]; redis: LoadResult[] } = { local: [], redis: [] };
    for (let i = 0; i < ROUNDS; i++) {
      runs.local.push(await generator.run({ ...common, ...target(local) }));
      runs.redis.push(await generator.run({ ...common, ...target(shared) }));
    }
    const mean = (rs: LoadResult[], f: (r: LoadResult) => number): number => rs.reduce((a, r) => a + f(r), 0) / rs.length;
    const summary = (rs: LoadResult[]) => ({
      requestsPerSec: round(mean(rs, (r) => r.requestsPerSec), 0),
      p50Ms: round(mean(rs, (r) => r.latencyMs.p50)),
      p99Ms: round(mean(rs, (r) => r.latencyMs.p99)),
      failed: rs.reduce((a, r) => a + r.errors + r.non2xx, 0),
    });
    const inProcess = summary(runs.local);
    const viaRedis = summary(runs.redis);
    const ratios = {
      throughputRedisOverLocal: round(viaRedis.requestsPerSec / inProcess.requestsPerSec),
      p50RedisOverLocal: round(viaRedis.p50Ms / inProcess.p50Ms),
      p99RedisOverLocal: round(viaRedis.p99Ms / inProcess.p99Ms),
    };
    writeResult(
      'shared-quotas',
      { tool: generator.name, durationS: DURATION_S, connections: CONNECTIONS, rounds: ROUNDS, counters: 4, inProcess, viaRedis, runs, ratios },
      `${generator.name} c=${CONNECTIONS}, ${ROUNDS}×${DURATION_S}s each, alternating, 4 counters per request: in process ${inProcess.requestsPerSec} req/s, ` +
        `quotas.redis ${viaRedis.requestsPerSec} req/s (×${ratios.throughputRedisOverLocal}); p50 ${inProcess.p50Ms} vs ${viaRedis.p50Ms} ms ` +
        `(×${ratios.p50RedisOverLocal}), p99 ×${ratios.p99RedisOverLocal}; failed ${inProcess.failed + viaRedis.failed}`,
    );
  } finally {
    await Promise.all(platforms.map((p) => p.stop()));
    backend.child.kill();
    await redis.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
