/**
 * The spam filter's requests/s and latency through the gateway, through
 * nginx as a plain reverse proxy, and directly against its instance — peers
 * in the same run — so the gateway's cost reads as ratios, not as absolute
 * numbers that depend on the machine.
 */
import { freePort } from '../src/runtime/free-port.js';
import { loadGenerator, type LoadResult } from './load-generator.js';
import { startNginxProxy } from './nginx-proxy.js';
import { round, SPAM_BODY, startSpamPlatform, writeResult } from './spam-filter-platform.js';

const DURATION_S = Number(process.env['BENCH_DURATION_S'] ?? 10);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 32);

async function main(): Promise<void> {
  const p = await startSpamPlatform('{ minInstances: 1, maxInstances: 1 }');
  try {
    const status = JSON.parse((await p.up.cli(['status', '-o', 'json'])).stdout) as {
      services: { instances: { port: number }[] }[];
    };
    const port = status.services[0]?.instances[0]?.port;
    if (port === undefined) throw new Error('no spam-filter instance is running');

    const generator = loadGenerator();
    const common = { durationS: DURATION_S, connections: CONNECTIONS, body: SPAM_BODY };
    const directUrl = `http://127.0.0.1:${port}/predict`;
    // Warm both paths (JIT, ONNX session, keep-alive pools) before measuring.
    await generator.run({ ...common, durationS: 2, url: directUrl, headers: {} });
    await generator.run({ ...common, durationS: 2, url: `${p.up.gatewayUrl}/v1/spam-filter/predict`, headers: { 'x-api-key': p.up.demoKey } });
    const direct = await generator.run({ ...common, url: directUrl, headers: {} });
    const gateway = await generator.run({
      ...common,
      url: `${p.up.gatewayUrl}/v1/spam-filter/predict`,
      headers: { 'x-api-key': p.up.demoKey },
    });
    const nginx = await startNginxProxy(port, await freePort());
    let viaNginx: LoadResult | undefined;
    if (nginx !== undefined) {
      try {
        await generator.run({ ...common, durationS: 2, url: `${nginx.url}/predict`, headers: {} });
        viaNginx = await generator.run({ ...common, url: `${nginx.url}/predict`, headers: {} });
      } finally {
        await nginx.stop();
      }
    }
    const ratios = {
      throughputGatewayOverDirect: round(gateway.requestsPerSec / direct.requestsPerSec),
      p50GatewayOverDirect: round(gateway.latencyMs.p50 / direct.latencyMs.p50),
      p99GatewayOverDirect: round(gateway.latencyMs.p99 / direct.latencyMs.p99),
      throughputGatewayOverNginx: viaNginx === undefined ? null : round(gateway.requestsPerSec / viaNginx.requestsPerSec),
      p50GatewayOverNginx: viaNginx === undefined ? null : round(gateway.latencyMs.p50 / viaNginx.latencyMs.p50),
    };
    writeResult(
      'gateway-overhead',
      { tool: generator.name, durationS: DURATION_S, connections: CONNECTIONS, direct, gateway, nginx: viaNginx ?? null, ratios },
      `${generator.name} c=${CONNECTIONS}: direct ${direct.requestsPerSec.toFixed(0)} req/s, gateway ${gateway.requestsPerSec.toFixed(0)} req/s ` +
        `(×${ratios.throughputGatewayOverDirect}), ` +
        (viaNginx === undefined
          ? 'nginx proxy not measured (nginx not installed); '
          : `nginx proxy ${viaNginx.requestsPerSec.toFixed(0)} req/s (gateway/nginx ×${ratios.throughputGatewayOverNginx ?? '-'}); `) +
        `p50 direct ${direct.latencyMs.p50}, gateway ${gateway.latencyMs.p50} ms; ` +
        `gateway errors ${gateway.errors + gateway.non2xx}`,
    );
  } finally {
    await p.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
