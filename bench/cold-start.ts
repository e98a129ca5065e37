/**
 * Issue 4's figures: the spam-filter's cold start — first byte of the first
 * request at a revision scaled to zero — p50 and max over several cold
 * starts, read against a bare Node HTTP server's start in the same run; and
 * the time from a step of concurrent load to the target instance count.
 */
import { waitUntil } from '../test/e2e/mlaas-process.js';
import { bareNodeStartMs, percentile, round, startSpamPlatform, writeResult, type SpamPlatform } from './spam-filter-platform.js';

const COLD_STARTS = Number(process.env['BENCH_COLD_STARTS'] ?? 10);
const STEP_CLIENTS = 8;
const STEP_TARGET = 4;

async function readyCount(p: SpamPlatform): Promise<number> {
  const r = await p.up.cli(['status', '-o', 'json']);
  const status = JSON.parse(r.stdout) as { services: Array<{ ready: number }> };
  return status.services.reduce((n, s) => n + s.ready, 0);
}

async function coldStarts(): Promise<number[]> {
  const p = await startSpamPlatform('{ minInstances: 0, stableWindow: 6s, scaleToZeroAfter: 1s }');
  try {
    const times: number[] = [];
    for (let i = 0; i < COLD_STARTS; i++) {
      await waitUntil('scale to zero', () => readyCount(p), (n) => n === 0, 60_000, 100);
      const t0 = performance.now();
      const res = await p.predict();
      const body = res.body?.getReader();
      await body?.read();
      times.push(performance.now() - t0);
      await body?.cancel();
      if (res.status !== 200) throw new Error(`cold start ${i} answered ${res.status}`);
    }
    return times;
  } finally {
    await p.close();
  }
}

async function scaleOut(): Promise<number> {
  // concurrency 1 per instance, target 1 at 100%: 8 callers want ceil(8 / 1) = 8, clamped to maxInstances 4.
  const p = await startSpamPlatform(`{ minInstances: 1, maxInstances: ${STEP_TARGET}, concurrency: 1, target: 1, utilization: 100 }`);
  try {
    let running = true;
    const t0 = performance.now();
    const callers = Array.from({ length: STEP_CLIENTS }, async () => {
      let n = 0;
      while (running && n < 100_000) {
        n++;
        await p.predict().then((r) => r.arrayBuffer());
      }
    });
    await waitUntil(`${STEP_TARGET} ready instances`, () => readyCount(p), (n) => n >= STEP_TARGET, 60_000, 100);
    const ms = performance.now() - t0;
    running = false;
    await Promise.all(callers);
    return ms;
  } finally {
    await p.close();
  }
}

async function main(): Promise<void> {
  const peer = Array.from({ length: 5 }, bareNodeStartMs);
  const times = await coldStarts();
  const stepMs = await scaleOut();
  const p50 = percentile(times, 50);
  const result = {
    coldStarts: times.map((t) => round(t, 0)),
    p50Ms: round(p50, 0),
    maxMs: round(Math.max(...times), 0),
    targetP50Ms: 250,
    bareNodeHttpStartP50Ms: round(percentile(peer, 50), 0),
    coldStartOverBareNode: round(p50 / percentile(peer, 50), 2),
    loadStep: { clients: STEP_CLIENTS, targetInstances: STEP_TARGET, msToTarget: round(stepMs, 0) },
  };
  writeResult(
    'cold-start',
    result,
    `cold start p50 ${result.p50Ms} ms, max ${result.maxMs} ms (bare node ${result.bareNodeHttpStartP50Ms} ms, ×${result.coldStartOverBareNode}); 1→${STEP_TARGET} instances in ${result.loadStep.msToTarget} ms`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
