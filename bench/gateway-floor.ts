/**
 * The gateway against the floor of a proxy, like with like: one minimal
 * backend (a fixed 40-byte JSON answer, so that the proxies' own cost
 * dominates) called directly, through nginx (1 worker, keep-alive
 * upstream), through a bare node:http + undici proxy that checks a key in a
 * Map (bare-undici-proxy.ts), and through the gateway of a real `mlaas up`
 * (gateway.workers 1; key auth, tenancy, routing to a platform service whose
 * one instance is that backend), and through HAProxy as the data plane of a
 * second `mlaas up` of the same files (gateway.dataplane: haproxy, one
 * thread as nginx has one worker; its own instance of the same backend),
 * which must serve the route natively: the TypeScript gateway behind it must
 * answer none of those requests, or the bench fails. Each round runs every target at c=32
 * (throughput) and c=1 (latency), so that drift of a shared machine falls
 * on all; figures are medians over rounds and ratios to the peers. Beside
 * them, the CPU time the proxies' processes spent per request at c=32 (less
 * what each spends idle), which contention blurs less than requests/s — for
 * HAProxy its worker's, and its platform's process beside it, which should
 * then be idle; and the
 * machine's load average, since other work may share the cores.
 *
 * `BENCH_BEFORE=DIR` (a built checkout of another commit) adds that
 * commit's gateway as a fifth target, so that a change to the hot path is
 * measured before and after in the same run; and paired rounds, in which
 * both gateways take the same load at the same time (c/2 connections each):
 * on a machine whose other work comes and goes, both then share every
 * moment of it, and the one that costs less CPU per request serves more.
 * `BENCH_PAIRED_ONLY=1` runs only those; `BENCH_AFTER=DIR` takes the
 * gateway measured as "after" from another built checkout too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startMlaasUp, type MlaasUp } from '../test/e2e/mlaas-process.js';
import { freePort } from '../src/runtime/free-port.js';
import { FLOOR_ANSWER, FLOOR_BODY, instancePortOf, writeFloorPlatform } from './floor-platform.js';
import { haproxyPlan, haproxyWorkerPid, metricsUrlOf, typescriptGatewayRequests } from './haproxy-native.js';
import { loadGenerator, type LoadResult, type LoadSpec } from './load-generator.js';
import { startNginxProxy, type NginxProxy } from './nginx-proxy.js';
import { childPidsNamed, processCpuSeconds as cpuSeconds } from './process-cpu.js';
import { percentile, round, writeResult } from './spam-filter-platform.js';

const DURATION_S = Number(process.env['BENCH_DURATION_S'] ?? 5);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 32);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const BEFORE = process.env['BENCH_BEFORE'];
const PAIRED_ONLY = process.env['BENCH_PAIRED_ONLY'] === '1';
const AFTER = process.env['BENCH_AFTER'];
const here = path.dirname(fileURLToPath(import.meta.url));

type Target = 'direct' | 'nginx' | 'bare' | 'gateway' | 'haproxy' | 'before';
/** Processes whose CPU per request is measured, and the target whose rounds it is measured in. */
type Meter = 'nginx' | 'bare' | 'gateway' | 'haproxy' | 'haproxyPlatform' | 'before';
const METERED: Record<Meter, Target> = { nginx: 'nginx', bare: 'bare', gateway: 'gateway', haproxy: 'haproxy', haproxyPlatform: 'haproxy', before: 'before' };

interface Summary {
  requestsPerSec: number;
  p50Us: number;
  p99Us: number;
  failed: number;
}

async function main(): Promise<void> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'mlaas-bench-floor-'));
  const loadBefore = os.loadavg();
  let up: MlaasUp | undefined;
  let before: MlaasUp | undefined;
  let haproxy: MlaasUp | undefined;
  let nginx: NginxProxy | undefined;
  let bare: ChildProcess | undefined;
  try {
    writeFloorPlatform(root);
    up = await (AFTER === undefined ? startMlaasUp : (await startIn(AFTER)))(root, 'state');
    const instancePort = await instancePortOf(up);
    if (BEFORE !== undefined) {
      writeFloorPlatform(path.join(root, 'before'));
      before = await (await startIn(BEFORE))(path.join(root, 'before'), 'state');
      await instancePortOf(before);
    }
    const haproxyDir = path.join(root, 'haproxy');
    if (!PAIRED_ONLY) {
      writeFloorPlatform(haproxyDir, 'workers: 1, dataplane: haproxy');
      haproxy = await startMlaasUp(haproxyDir, 'state');
      await instancePortOf(haproxy);
      const plan = haproxyPlan(haproxyDir, 'state');
      if (plan.native < 1 || plan.delegated.length > 0) throw new Error(`HAProxy does not serve the floor route itself: ${JSON.stringify(plan)}`);
    }
    nginx = await startNginxProxy(instancePort, await freePort(), 1);
    if (nginx === undefined) throw new Error('gateway-floor needs nginx (apt-get install nginx-light)');
    const barePort = await freePort();
    bare = spawn(process.execPath, [path.join(here, 'bare-undici-proxy.js'), String(barePort), `http://127.0.0.1:${instancePort}`, up.demoKey], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve) => bare?.stdout?.once('data', () => resolve()));

    const key = { 'x-api-key': up.demoKey };
    const targets: Partial<Record<Target, { url: string; headers: Record<string, string> }>> = {
      direct: { url: `http://127.0.0.1:${instancePort}/predict`, headers: {} },
      nginx: { url: `${nginx.url}/predict`, headers: {} },
      bare: { url: `http://127.0.0.1:${barePort}/predict`, headers: key },
      gateway: { url: `${up.gatewayUrl}/v1/predict`, headers: key },
      ...(haproxy === undefined ? {} : { haproxy: { url: `${haproxy.gatewayUrl}/v1/predict`, headers: { 'x-api-key': haproxy.demoKey } } }),
      ...(before === undefined ? {} : { before: { url: `${before.gatewayUrl}/v1/predict`, headers: { 'x-api-key': before.demoKey } } }),
    };
    const generator = loadGenerator();
    const names = Object.keys(targets) as Target[];
    // Warm every path (JIT, keep-alive pools) before measuring.
    const spec = (name: Target, durationS: number, connections: number) => ({ ...(targets[name] as { url: string; headers: Record<string, string> }), body: FLOOR_BODY, durationS, connections });
    for (const name of names) await generator.run(spec(name, 2, CONNECTIONS));
    const runs = { c32: emptyRuns(), c1: emptyRuns() };
    const pids: Partial<Record<Meter, number | undefined>> = {
      nginx: childPidsNamed(nginx.pid, 'nginx')[0],
      bare: bare.pid,
      gateway: up.child.pid,
      haproxy: haproxy?.child.pid === undefined ? undefined : haproxyWorkerPid(haproxy.child.pid),
      haproxyPlatform: haproxy?.child.pid,
      before: before?.child.pid,
    };
    const meters = Object.keys(METERED) as Meter[];
    const cpu = Object.fromEntries(meters.map((m) => [m, { seconds: 0, requests: 0 }])) as Record<Meter, { seconds: number; requests: number }>;
    // Counted after the warm-up: HAProxy may hand on requests until the programmer has filled its maps.
    const metricsUrl = haproxy === undefined ? undefined : metricsUrlOf(haproxy);
    const typescriptBefore = metricsUrl === undefined ? 0 : await typescriptGatewayRequests(metricsUrl);
    // What each process spends with no request at all (a platform's control plane and runtime tick on), taken off its share under load.
    const idle = await idleCpuRates(pids);
    const paired = before === undefined ? undefined : await pairedRounds(spec, pids);
    if (PAIRED_ONLY && paired !== undefined) {
      console.log(JSON.stringify({ loadAverage1m: os.loadavg()[0], paired }, null, 2));
      return;
    }
    for (let i = 0; i < ROUNDS; i++) {
      // Each round starts at another target, so that none always runs first.
      for (let j = 0; j < names.length; j++) {
        const name = names[(i + j) % names.length] as Target;
        const measured = meters.flatMap((m) => {
          const pid = pids[m];
          return METERED[m] === name && pid !== undefined ? [{ m, pid, t0: cpuSeconds(pid) }] : [];
        });
        const startedAt = performance.now();
        const result = await generator.run(spec(name, DURATION_S, CONNECTIONS));
        for (const { m, pid, t0 } of measured) {
          cpu[m].seconds += cpuSeconds(pid) - t0 - (idle[m] ?? 0) * ((performance.now() - startedAt) / 1000);
          cpu[m].requests += result.requests;
        }
        runs.c32[name].push(result);
        runs.c1[name].push(await generator.run(spec(name, DURATION_S, 1)));
      }
    }
    const loadAfter = os.loadavg();
    const haproxyRequests = [...runs.c32.haproxy, ...runs.c1.haproxy].reduce((a, r) => a + r.requests, 0);
    const typescriptGrowth = metricsUrl === undefined ? 0 : (await typescriptGatewayRequests(metricsUrl)) - typescriptBefore;
    if (typescriptGrowth > 0) {
      throw new Error(`HAProxy did not serve natively: the TypeScript gateway behind it answered ${typescriptGrowth} of the ${haproxyRequests} requests of the haproxy rounds`);
    }
    const c32 = summarise(runs.c32);
    const c1 = summarise(runs.c1);
    const added = (t: Target) => ({ p50Us: round((c1[t]?.p50Us ?? NaN) - c1.direct.p50Us, 0), p99Us: round((c1[t]?.p99Us ?? NaN) - c1.direct.p99Us, 0) });
    const ratios = {
      throughputGatewayOverBare: round(c32.gateway.requestsPerSec / c32.bare.requestsPerSec),
      throughputGatewayOverNginx: round(c32.gateway.requestsPerSec / c32.nginx.requestsPerSec),
      throughputBareOverNginx: round(c32.bare.requestsPerSec / c32.nginx.requestsPerSec),
      throughputGatewayOverDirect: round(c32.gateway.requestsPerSec / c32.direct.requestsPerSec),
      throughputHaproxyOverNginx: round(c32.haproxy.requestsPerSec / c32.nginx.requestsPerSec),
      throughputGatewayOverBefore: c32.before === undefined ? null : round(c32.gateway.requestsPerSec / c32.before.requestsPerSec),
    };
    const perRequest = (m: Meter): number | null => (cpu[m].requests === 0 ? null : round((cpu[m].seconds / cpu[m].requests) * 1e6, 1));
    const cpuUsPerRequest = Object.fromEntries(meters.map((m) => [m, perRequest(m)])) as Record<Meter, number | null>;
    const addedAtC1 = {
      gateway: added('gateway'),
      haproxy: added('haproxy'),
      bare: added('bare'),
      nginx: added('nginx'),
      before: c1.before === undefined ? null : added('before'),
    };
    const targetsMet = {
      gatewayOverBare: ratios.throughputGatewayOverBare >= 0.95,
      gatewayOverNginx: ratios.throughputGatewayOverNginx >= 0.5,
      addedP50: addedAtC1.gateway.p50Us <= 100,
      addedP99: addedAtC1.gateway.p99Us <= 1000,
      haproxyOverNginx: ratios.throughputHaproxyOverNginx >= 0.9,
      haproxyAddedP50: addedAtC1.haproxy.p50Us <= 60,
    };
    const failed = names.reduce((a, n) => a + (c32[n]?.failed ?? 0) + (c1[n]?.failed ?? 0), 0);
    const load = `load avg ${loadBefore[0]?.toFixed(2)}→${loadAfter[0]?.toFixed(2)} on ${os.availableParallelism()} cores`;
    writeResult(
      'gateway-floor',
      {
        tool: generator.name,
        cores: os.availableParallelism(),
        loadAverage1m: { before: round(loadBefore[0] ?? 0, 2), after: round(loadAfter[0] ?? 0, 2) },
        durationS: DURATION_S,
        connections: CONNECTIONS,
        rounds: ROUNDS,
        answerBytes: FLOOR_ANSWER.length,
        c32,
        c1,
        addedAtC1,
        cpuUsPerRequest,
        idleCpuCoresBeforeLoad: idle,
        haproxyServedNatively: { requests: haproxyRequests, typescriptGatewayRequestsMeanwhile: typescriptGrowth },
        paired: paired ?? null,
        ratios,
        targetsMet,
        runs,
      },
      `${generator.name}, ${ROUNDS} alternating rounds of ${DURATION_S}s at c=${CONNECTIONS} and c=1, medians, ${load}: ` +
        `c=${CONNECTIONS} direct ${c32.direct.requestsPerSec}, nginx ${c32.nginx.requestsPerSec}, bare undici proxy ${c32.bare.requestsPerSec}, ` +
        `gateway ${c32.gateway.requestsPerSec}, haproxy ${c32.haproxy.requestsPerSec} req/s (gateway/bare ×${ratios.throughputGatewayOverBare}, ` +
        `gateway/nginx ×${ratios.throughputGatewayOverNginx}, haproxy/nginx ×${ratios.throughputHaproxyOverNginx}); ` +
        `added at c=1 p50/p99: gateway ${addedAtC1.gateway.p50Us}/${addedAtC1.gateway.p99Us} µs, haproxy ${addedAtC1.haproxy.p50Us}/${addedAtC1.haproxy.p99Us} µs, ` +
        `bare ${addedAtC1.bare.p50Us}/${addedAtC1.bare.p99Us} µs, nginx ${addedAtC1.nginx.p50Us}/${addedAtC1.nginx.p99Us} µs; ` +
        `CPU per request at c=${CONNECTIONS}: nginx ${cpuUsPerRequest.nginx} µs, bare ${cpuUsPerRequest.bare} µs, platform ${cpuUsPerRequest.gateway} µs, ` +
        `haproxy ${cpuUsPerRequest.haproxy} µs (+ its platform ${cpuUsPerRequest.haproxyPlatform} µs; TypeScript gateway answered ${typescriptGrowth} of ${haproxyRequests})` +
        (c32.before === undefined || addedAtC1.before === null
          ? ''
          : `; before (${BEFORE}): ${c32.before.requestsPerSec} req/s (after/before ×${ratios.throughputGatewayOverBefore}), added p50/p99 ${addedAtC1.before.p50Us}/${addedAtC1.before.p99Us} µs, CPU ${cpuUsPerRequest.before} µs` +
            (paired === undefined ? '' : `; paired after/before ×${paired.throughputAfterOverBefore}, CPU per request ×${paired.cpuAfterOverBefore}`)) +
        `; failed ${failed}`,
    );
  } finally {
    bare?.kill();
    await nginx?.stop();
    await Promise.all([up?.stop(), before?.stop(), haproxy?.stop()]);
    rmSync(root, { recursive: true, force: true });
  }
}

/** `mlaas up` of another built checkout. */
async function startIn(dir: string): Promise<typeof startMlaasUp> {
  const other = (await import(path.join(path.resolve(dir), 'dist', 'test', 'e2e', 'mlaas-process.js'))) as { startMlaasUp: typeof startMlaasUp };
  return other.startMlaasUp;
}

/**
 * Both gateways under the same load at the same time, ROUNDS times: requests
 * served and CPU per request of each, and their ratios (after over before).
 */
async function pairedRounds(
  spec: (name: Target, durationS: number, connections: number) => LoadSpec,
  pids: Partial<Record<Meter, number | undefined>>,
): Promise<{ requests: { after: number; before: number }; cpuUsPerRequest: { after: number; before: number }; throughputAfterOverBefore: number; cpuAfterOverBefore: number }> {
  const generator = loadGenerator();
  const half = Math.max(1, Math.floor(CONNECTIONS / 2));
  const pidAfter = pids.gateway as number;
  const pidBefore = pids.before as number;
  let after = 0;
  let earlier = 0;
  let cpuAfter = 0;
  let cpuBefore = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = [cpuSeconds(pidAfter), cpuSeconds(pidBefore)];
    const [a, b] = await Promise.all([generator.run(spec('gateway', DURATION_S, half)), generator.run(spec('before', DURATION_S, half))]);
    cpuAfter += cpuSeconds(pidAfter) - (t0[0] as number);
    cpuBefore += cpuSeconds(pidBefore) - (t0[1] as number);
    after += a.requests;
    earlier += b.requests;
  }
  const cpuUsPerRequest = { after: round((cpuAfter / after) * 1e6, 1), before: round((cpuBefore / earlier) * 1e6, 1) };
  return {
    requests: { after, before: earlier },
    cpuUsPerRequest,
    throughputAfterOverBefore: round(after / earlier),
    cpuAfterOverBefore: round(cpuUsPerRequest.after / cpuUsPerRequest.before),
  };
}

/** CPU seconds per second each process spends over a few seconds without load. */
async function idleCpuRates(pids: Partial<Record<Meter, number | undefined>>): Promise<Partial<Record<Meter, number>>> {
  const IDLE_S = 3;
  const at = Object.entries(pids).flatMap(([name, pid]) => (pid === undefined ? [] : [[name, pid, cpuSeconds(pid)] as const]));
  await new Promise((r) => setTimeout(r, IDLE_S * 1000));
  return Object.fromEntries(at.map(([name, pid, t0]) => [name, round((cpuSeconds(pid) - t0) / IDLE_S, 3)]));
}

function emptyRuns(): Record<Target, LoadResult[]> {
  return { direct: [], nginx: [], bare: [], gateway: [], haproxy: [], before: [] };
}

function summarise(runs: Record<Target, LoadResult[]>): Record<Exclude<Target, 'haproxy' | 'before'>, Summary> & { haproxy: Summary; before?: Summary } {
  const median = (rs: LoadResult[], f: (r: LoadResult) => number): number => percentile(rs.map(f), 50);
  const one = (rs: LoadResult[]): Summary => ({
    requestsPerSec: round(median(rs, (r) => r.requestsPerSec), 0),
    p50Us: round(median(rs, (r) => r.latencyMs.p50) * 1000, 0),
    p99Us: round(median(rs, (r) => r.latencyMs.p99) * 1000, 0),
    failed: rs.reduce((a, r) => a + r.errors + r.non2xx, 0),
  });
  return {
    direct: one(runs.direct),
    nginx: one(runs.nginx),
    bare: one(runs.bare),
    gateway: one(runs.gateway),
    haproxy: one(runs.haproxy),
    ...(runs.before.length === 0 ? {} : { before: one(runs.before) }),
  };
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
