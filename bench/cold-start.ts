/**
 * Issues 4 and 16's figures: the spam-filter's cold start — gateway request
 * to the first byte of the answer, at a revision scaled to zero — p50 and
 * max over 10 rounds, each round a bare Node HTTP server's start, a cold
 * start with the runtime pool (instances.pool: 1, the default) and one
 * without it (0), in that order, so all three meet the same load; the same
 * for the FastAPI example (examples/fastapi-sentiment, uvicorn in the
 * artifact's venv) beside a bare `python3 -c` HTTP server's start, in the
 * same rounds; and the time from a step of concurrent load to the target
 * instance count. Before the rounds, one call per platform warms the bench's
 * own HTTP client and the gateway, as a gateway that has served before would be.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startMlaasUp, waitUntil, type MlaasUp } from '../test/e2e/mlaas-process.js';
import { bareNodeStartMs, percentile, REPO, round, startSpamPlatform, writeResult } from './spam-filter-platform.js';

const COLD_STARTS = Number(process.env['BENCH_COLD_STARTS'] ?? 10);
const STEP_CLIENTS = 8;
const STEP_TARGET = 4;

/** What a round needs of a platform: its CLI, a request to its one service, and its end. */
interface Platform {
  up: MlaasUp;
  predict(): Promise<Response>;
  close(): Promise<void>;
}

/** Debian's interpreter, the one the artifact's venv is made from (a pyenv shim on PATH would time bash too). */
const SYSTEM_PYTHON = '/usr/bin/python3';

/** The FastAPI example deployed by the real `mlaas up` from the repository's source, as the README's mlaas.yaml has it. */
async function startSentimentPlatform(scaling: string, settings: string): Promise<Platform> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-bench-py-'));
  writeFileSync(
    path.join(dir, 'api-gateway.yaml'),
    `swagger: '2.0'
info: { title: bench, version: 1.0.0 }
securityDefinitions:
  api_key_header: { type: apiKey, name: x-api-key, in: header }
paths:
  /v1/sentiment/predict:
    post:
      security: [{ api_key_header: [] }]
      x-google-backend: { address: 'mlaas://sentiment/predict' }
      responses: { '200': { description: ok } }
`,
  );
  writeFileSync(
    path.join(dir, 'mlaas.yaml'),
    `gateway: { document: api-gateway.yaml }
stateDir: state
services:
  sentiment:
    source: ${path.join(REPO, 'examples', 'fastapi-sentiment')}
    command: [python, serve.py]
    scaling: ${scaling}
tenants:
  bench: { demoKey: true }
${settings}`,
  );
  const up = await startMlaasUp(dir, 'state');
  return {
    up,
    predict: () =>
      fetch(`${up.gatewayUrl}/v1/sentiment/predict`, {
        method: 'POST',
        headers: { 'x-api-key': up.demoKey, 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'I really love this, the support was excellent' }),
      }),
    async close() {
      await up.stop('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** How long a bare Python HTTP server takes from spawn to listening: the peer the Python cold starts are read against. */
function barePythonStartMs(): number {
  const script = "import http.server as h\ns=h.HTTPServer(('127.0.0.1',0),h.BaseHTTPRequestHandler)\nprint('up')\ns.server_close()";
  const t0 = performance.now();
  execFileSync(SYSTEM_PYTHON, ['-c', script], { encoding: 'utf8' });
  return performance.now() - t0;
}

async function readyCount(p: Platform): Promise<number> {
  const r = await p.up.cli(['status', '-o', 'json']);
  const status = JSON.parse(r.stdout) as { services: Array<{ ready: number }> };
  return status.services.reduce((n, s) => n + s.ready, 0);
}

interface ColdStarts {
  pool: number[];
  noPool: number[];
  bare: number[];
  pythonPool: number[];
  pythonNoPool: number[];
  barePython: number[];
}

async function firstByteMs(p: Platform, i: number): Promise<number> {
  const t0 = performance.now();
  const res = await p.predict();
  const body = res.body?.getReader();
  await body?.read();
  const ms = performance.now() - t0;
  await body?.cancel();
  if (res.status !== 200) throw new Error(`cold start ${i} answered ${res.status}`);
  return ms;
}

/**
 * Four platforms side by side: the spam filter and the FastAPI example, each
 * with the pool (instances.pool: 1, the default) and without (0); each
 * round, once all are at zero, a bare Node start and a cold start of each
 * spam platform, then a bare Python start and a cold start of each FastAPI
 * platform: the figures of a round meet the same load, which on a shared
 * machine moves from one minute to the next.
 */
async function coldStarts(): Promise<ColdStarts> {
  const scaling = '{ minInstances: 0, stableWindow: 6s, scaleToZeroAfter: 1s }';
  const pooled = await startSpamPlatform(scaling, 'instances: { pool: 1 }\n');
  const fresh = await startSpamPlatform(scaling, 'instances: { pool: 0 }\n');
  const pythonPooled = await startSentimentPlatform(scaling, 'instances: { pool: 1 }\n');
  const pythonFresh = await startSentimentPlatform(scaling, 'instances: { pool: 0 }\n');
  const all = [pooled, fresh, pythonPooled, pythonFresh];
  try {
    // One untimed call each, answered by the instance the deploy started: the rounds then time cold starts,
    // not the first request this process's fetch and each gateway ever handle (≈60 ms of lazy loading and JIT).
    for (const p of all) await (await p.predict()).arrayBuffer();
    const runs: ColdStarts = { pool: [], noPool: [], bare: [], pythonPool: [], pythonNoPool: [], barePython: [] };
    for (let i = 0; i < COLD_STARTS; i++) {
      await Promise.all(all.map((p) => waitUntil('scale to zero', () => readyCount(p), (n) => n === 0, 60_000, 100)));
      // The pool refills a second after a take: as between two real cold starts, it is warm again.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      runs.bare.push(bareNodeStartMs());
      runs.pool.push(await firstByteMs(pooled, i));
      runs.noPool.push(await firstByteMs(fresh, i));
      runs.barePython.push(barePythonStartMs());
      runs.pythonPool.push(await firstByteMs(pythonPooled, i));
      runs.pythonNoPool.push(await firstByteMs(pythonFresh, i));
    }
    return runs;
  } finally {
    await Promise.all(all.map((p) => p.close()));
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

function figures(times: number[], bare: number[]) {
  const p50 = percentile(times, 50);
  return { coldStarts: times.map((t) => round(t, 0)), p50Ms: round(p50, 0), maxMs: round(Math.max(...times), 0), overBareNodeP50: round(p50 / percentile(bare, 50), 2) };
}

function pythonFigures(times: number[], bare: number[]) {
  const { overBareNodeP50, ...rest } = figures(times, bare);
  return { ...rest, overBarePythonP50: overBareNodeP50 };
}

async function main(): Promise<void> {
  const loadBefore = os.loadavg()[0] ?? 0;
  const runs = await coldStarts();
  const loadAfter = os.loadavg()[0] ?? 0;
  const stepMs = await scaleOut();
  const pool = figures(runs.pool, runs.bare);
  const noPool = figures(runs.noPool, runs.bare);
  const bare = { starts: runs.bare.map((t) => round(t, 0)), p50Ms: round(percentile(runs.bare, 50), 0) };
  const python = {
    service: 'examples/fastapi-sentiment (FastAPI + uvicorn in the artifact venv)',
    pool: pythonFigures(runs.pythonPool, runs.barePython),
    noPool: pythonFigures(runs.pythonNoPool, runs.barePython),
    barePythonHttpStart: { starts: runs.barePython.map((t) => round(t, 0)), p50Ms: round(percentile(runs.barePython, 50), 0) },
  };
  const result = {
    target: { p50Ms: 100, maxMs: 200 },
    pool,
    noPool,
    bareNodeHttpStart: bare,
    python,
    loadAverage1m: { before: round(loadBefore, 2), after: round(loadAfter, 2) },
    loadStep: { clients: STEP_CLIENTS, targetInstances: STEP_TARGET, msToTarget: round(stepMs, 0) },
  };
  writeResult(
    'cold-start',
    result,
    `cold start with the pool p50 ${pool.p50Ms} ms, max ${pool.maxMs} ms (×${pool.overBareNodeP50} bare node); ` +
      `without p50 ${noPool.p50Ms} ms, max ${noPool.maxMs} ms (×${noPool.overBareNodeP50}); bare node p50 ${bare.p50Ms} ms; ` +
      `FastAPI with the pool p50 ${python.pool.p50Ms} ms, max ${python.pool.maxMs} ms (×${python.pool.overBarePythonP50} bare python); ` +
      `without p50 ${python.noPool.p50Ms} ms, max ${python.noPool.maxMs} ms; bare python p50 ${python.barePythonHttpStart.p50Ms} ms; ` +
      `1→${STEP_TARGET} instances in ${result.loadStep.msToTarget} ms; load ${result.loadAverage1m.before}→${result.loadAverage1m.after}`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
