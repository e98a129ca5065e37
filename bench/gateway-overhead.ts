/**
 * The spam filter's requests/s and latency through the gateway and directly
 * against its instance — the peer in the same run — so the gateway's cost
 * reads as a ratio, not as an absolute number that depends on the machine.
 */
import { loadGenerator } from './load-generator.js';
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
    const ratios = {
      throughputGatewayOverDirect: round(gateway.requestsPerSec / direct.requestsPerSec),
      p50GatewayOverDirect: round(gateway.latencyMs.p50 / direct.latencyMs.p50),
      p99GatewayOverDirect: round(gateway.latencyMs.p99 / direct.latencyMs.p99),
    };
    writeResult(
      'gateway-overhead',
      { tool: generator.name, durationS: DURATION_S, connections: CONNECTIONS, direct, gateway, ratios },
      `${generator.name} c=${CONNECTIONS}: direct ${direct.requestsPerSec.toFixed(0)} req/s, gateway ${gateway.requestsPerSec.toFixed(0)} req/s ` +
        `(×${ratios.throughputGatewayOverDirect}); p50 ${direct.latencyMs.p50} → ${gateway.latencyMs.p50} ms; errors ${gateway.errors + gateway.non2xx}`,
    );
  } finally {
    await p.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
