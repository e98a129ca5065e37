/**
 * Issues 4 and 16's figures: the spam-filter's cold start — first byte of the
 * first request at a revision scaled to zero — p50 and max over 10 cold
 * starts with the runtime pool (instances.pool: 1, the default) and without
 * it (0), each beside a bare Node HTTP server's start measured in the same
 * run, between them; and the time from a step of concurrent load to the
 * target instance count.
 */
import os from 'node:os';
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

/** Cold starts, each with a bare Node start just before it (the machine's load moves: the peer moves with it). */
async function coldStarts(poolSize: number): Promise<{ times: number[]; bare: number[] }> {
  const p = await startSpamPlatform('{ minInstances: 0, stableWindow: 6s, scaleToZeroAfter: 1s }', `instances: { pool: ${poolSize} }\n`);
  try {
    const times: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < COLD_STARTS; i++) {
      await waitUntil('scale to zero', () => readyCount(p), (n) => n === 0, 60_000, 100);
      // The pool refills a second after a take; the bare start gives it time to be warm, as it is between real cold starts.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      bare.push(bareNodeStartMs());
      const t0 = performance.now();
      const res = await p.predict();
      const body = res.body?.getReader();
      await body?.read();
      times.push(performance.now() - t0);
      await body?.cancel();
      if (res.status !== 200) throw new Error(`cold start ${i} answered ${res.status}`);
    }
    return { times, bare };
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

function figures(run: { times: number[]; bare: number[] }) {
  const p50 = percentile(run.times, 50);
  const bareP50 = percentile(run.bare, 50);
  return {
    coldStarts: run.times.map((t) => round(t, 0)),
    p50Ms: round(p50, 0),
    maxMs: round(Math.max(...run.times), 0),
    bareNodeStarts: run.bare.map((t) => round(t, 0)),
    bareNodeHttpStartP50Ms: round(bareP50, 0),
    coldStartOverBareNode: round(p50 / bareP50, 2),
  };
}

async function main(): Promise<void> {
  const loadBefore = os.loadavg()[0] ?? 0;
  const pooled = figures(await coldStarts(1));
  const fresh = figures(await coldStarts(0));
  const stepMs = await scaleOut();
  const result = {
    target: { p50Ms: 100, maxMs: 200 },
    pool: pooled,
    noPool: fresh,
    loadAverage1m: { before: round(loadBefore, 2), after: round(os.loadavg()[0] ?? 0, 2) },
    loadStep: { clients: STEP_CLIENTS, targetInstances: STEP_TARGET, msToTarget: round(stepMs, 0) },
  };
  writeResult(
    'cold-start',
    result,
    `cold start with the pool p50 ${pooled.p50Ms} ms, max ${pooled.maxMs} ms (bare node ${pooled.bareNodeHttpStartP50Ms} ms, ×${pooled.coldStartOverBareNode}); ` +
      `without p50 ${fresh.p50Ms} ms, max ${fresh.maxMs} ms (bare node ${fresh.bareNodeHttpStartP50Ms} ms); ` +
      `1→${STEP_TARGET} instances in ${result.loadStep.msToTarget} ms; load ${result.loadAverage1m.before}→${result.loadAverage1m.after}`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
