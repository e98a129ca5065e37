/**
 * What metrics and request logs cost: the gateway-overhead load (the spam
 * filter through the gateway, one instance) against two platforms in one run,
 * one with metrics and request logs on (the defaults), one with both off.
 * Rounds alternate off / on so that drift of a shared machine falls on both;
 * the figure is the ratio of their throughput (acceptance: ≥ 0.95). Beside
 * it, the CPU time the platform process (gateway and control plane, not the
 * instance) spent per request, which contention on a shared machine blurs less.
 */
import { readFileSync } from 'node:fs';
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
    const cpu = { off: 0, on: 0 };
    const measure = async (p: SpamPlatform, which: 'off' | 'on'): Promise<void> => {
      const before = cpuSeconds(p.up.child.pid);
      const result = await generator.run({ ...common, ...target(p) });
      cpu[which] += cpuSeconds(p.up.child.pid) - before;
      runs[which].push(result);
    };
    for (let i = 0; i < ROUNDS; i++) {
      await measure(off, 'off');
      await measure(on, 'on');
    }
    const total = (rs: LoadResult[]) => rs.reduce((sum, r) => sum + r.requestsPerSec, 0) / rs.length;
    const ratio = round(total(runs.on) / total(runs.off));
    const requests = (rs: LoadResult[]) => rs.reduce((sum, r) => sum + r.requests, 0);
    const cpuUs = { off: round((cpu.off / requests(runs.off)) * 1e6, 1), on: round((cpu.on / requests(runs.on)) * 1e6, 1) };
    const errors = [...runs.off, ...runs.on].reduce((sum, r) => sum + r.errors + r.non2xx, 0);
    writeResult(
      'observability-cost',
      {
        tool: generator.name,
        durationS: DURATION_S,
        connections: CONNECTIONS,
        rounds: ROUNDS,
        runs,
        platformCpuUsPerRequest: cpuUs,
        ratios: { throughputOnOverOff: ratio, platformCpuOnOverOff: round(cpuUs.on / cpuUs.off) },
      },
      `${generator.name} c=${CONNECTIONS}, ${ROUNDS}×${DURATION_S}s each, alternating: metrics+request logs off ${total(runs.off).toFixed(0)} req/s, ` +
        `on ${total(runs.on).toFixed(0)} req/s (on/off ×${ratio}, cost ${round((1 - ratio) * 100, 1)}%); ` +
        `platform CPU per request off ${cpuUs.off} µs, on ${cpuUs.on} µs; errors ${errors}`,
    );
  } finally {
    await Promise.all([off.close(), on?.close()]);
  }
}

/** User + system CPU seconds of a process so far (/proc/PID/stat, in clock ticks of 1/100 s). */
function cpuSeconds(pid: number | undefined): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
