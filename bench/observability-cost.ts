/**
 * What metrics and request logs cost: the gateway-overhead load (the spam
 * filter through the gateway, one instance) against two platforms in one run,
 * one with metrics and request logs on (the defaults), one with both off.
 * Rounds alternate off / on so that drift of a shared machine falls on both;
 * the figure is the ratio of their total throughput (acceptance: ≥ 0.95).
 */
import { loadGenerator, type LoadResult } from './load-generator.js';
import { round, SPAM_BODY, startSpamPlatform, writeResult, type SpamPlatform } from './spam-filter-platform.js';

const DURATION_S = Number(process.env['BENCH_DURATION_S'] ?? 10);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 32);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const SCALING = '{ minInstances: 1, maxInstances: 1 }';

async function main(): Promise<void> {
  const off = await startSpamPlatform(SCALING, 'metrics: { enabled: false }\nrequestLogs: { enabled: false }\n');
  let on: SpamPlatform | undefined;
  try {
    on = await startSpamPlatform(SCALING);
    const generator = loadGenerator();
    const common = { durationS: DURATION_S, connections: CONNECTIONS, body: SPAM_BODY };
    const target = (p: SpamPlatform) => ({ url: `${p.up.gatewayUrl}/v1/spam-filter/predict`, headers: { 'x-api-key': p.up.demoKey } });
    // Warm both (JIT, ONNX session, keep-alive pools) before measuring.
    for (const p of [off, on]) await generator.run({ ...common, durationS: 2, ...target(p) });
    const runs: { off: LoadResult[]; on: LoadResult[] } = { off: [], on: [] };
    for (let i = 0; i < ROUNDS; i++) {
      runs.off.push(await generator.run({ ...common, ...target(off) }));
      runs.on.push(await generator.run({ ...common, ...target(on) }));
    }
    const total = (rs: LoadResult[]) => rs.reduce((sum, r) => sum + r.requestsPerSec, 0) / rs.length;
    const ratio = round(total(runs.on) / total(runs.off));
    const errors = [...runs.off, ...runs.on].reduce((sum, r) => sum + r.errors + r.non2xx, 0);
    writeResult(
      'observability-cost',
      { tool: generator.name, durationS: DURATION_S, connections: CONNECTIONS, rounds: ROUNDS, runs, ratios: { throughputOnOverOff: ratio } },
      `${generator.name} c=${CONNECTIONS}, ${ROUNDS}×${DURATION_S}s each, alternating: metrics+request logs off ${total(runs.off).toFixed(0)} req/s, ` +
        `on ${total(runs.on).toFixed(0)} req/s (on/off ×${ratio}, cost ${round((1 - ratio) * 100, 1)}%); errors ${errors}`,
    );
  } finally {
    await Promise.all([off.close(), on?.close()]);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
