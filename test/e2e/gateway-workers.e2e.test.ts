/**
 * Black-box: `gateway.workers: 2` through the real binary on loopback, with
 * node services of the test's own for what the demo cannot show (its load,
 * scale-out and quotas across workers are in gateway-workers-demo.e2e.test.ts):
 * `kill -9` of one worker leaves the other serving, and it is started again;
 * /metrics counts every worker's requests once; requests both workers have in
 * flight to a replaced revision finish, on a service that SIGTERM cuts off;
 * SIGTERM drains both workers.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAnswerCountingLoad, type LoadOptions } from './answer-counting-load.js';
import { isAlive, startMlaasUp, waitUntil, type MlaasUp } from './mlaas-process.js';
import { postRoutesDocument, writeNodeService } from './scenario.js';

interface WorkerStatus {
  slot: number;
  pid: number;
  requests: number;
  restarts: number;
}

interface Status {
  /** Instance id → requests in flight to it, from every gateway process. */
  inFlight: Record<string, number>;
  gatewayWorkers?: WorkerStatus[];
}

let dir: string;
let up: MlaasUp;

async function status(): Promise<Status> {
  return JSON.parse(await up.cliOk(['status', '-o', 'json'])) as Status;
}

async function workers(): Promise<WorkerStatus[]> {
  return (await status()).gatewayWorkers ?? [];
}

function load(o: Partial<LoadOptions> & Pick<LoadOptions, 'maxRequests'>): ReturnType<typeof runAnswerCountingLoad> {
  return runAnswerCountingLoad({
    url: `${up.gatewayUrl}/v1/echo`,
    headers: { 'x-api-key': up.demoKey },
    body: '{}',
    connections: 8,
    durationMs: 40_000,
    answerWithinMs: 10_000,
    ...o,
  });
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-e2e-workers-'));
  writeNodeService(
    path.join(dir, 'echo'),
    `  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => setTimeout(() => res.end(JSON.stringify({ pid: process.pid })), JSON.parse(body || '{}').ms ?? 40));`,
  );
  // Exits at once on SIGTERM, cutting what it serves: only the gateways' drain before the stop keeps its requests whole.
  // Each answer takes 5 s, so the tests' checks while they are in flight (4 s each at most) see them there under CI's load.
  writeNodeService(
    path.join(dir, 'abrupt'),
    `  req.resume();
  req.on('end', () => setTimeout(() => res.end(JSON.stringify({ revision: req.headers['x-mlaas-revision'] })), 5_000));`,
    `process.prependListener('SIGTERM', () => process.exit(0));`,
  );
  writeFileSync(
    path.join(dir, 'api-gateway.yaml'),
    postRoutesDocument([
      { path: '/v1/echo', address: 'mlaas://echo/work', deadline: 30 },
      { path: '/v1/abrupt', address: 'mlaas://abrupt/work', deadline: 30 },
    ]),
  );
  writeFileSync(
    path.join(dir, 'mlaas.yaml'),
    `gateway: { document: api-gateway.yaml, workers: 2 }
stateDir: state
services:
  echo:
    source: echo
    command: [node, server.mjs]
    scaling: { minInstances: 1, maxInstances: 1 }
  abrupt:
    source: abrupt
    command: [node, server.mjs]
    scaling: { minInstances: 1, maxInstances: 1 }
tenants:
  demo: { demoKey: true }
`,
  );
  up = await startMlaasUp(dir, 'state');
}, 120_000);

afterAll(async () => {
  await up?.stop('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('gateway.workers: 2', () => {
  it('counts every worker’s requests once in the primary’s /metrics', async () => {
    const before = await workers();
    const report = await load({ maxRequests: 400 });
    expect(report.byStatus).toEqual({ 200: 400 });
    const after = await waitUntil('the reports', workers, (ws) => ws.reduce((s, w, i) => s + w.requests - (before[i]?.requests ?? 0), 0) === 400, 5_000);
    for (const [i, w] of after.entries()) expect(w.requests - (before[i]?.requests ?? 0)).toBeGreaterThan(0);
    const served = after.reduce((sum, w) => sum + w.requests, 0);
    const { adminUrl } = JSON.parse(readFileSync(path.join(dir, 'state', 'endpoint.json'), 'utf8')) as { adminUrl: string };
    const metrics = await (await fetch(`${adminUrl}/metrics`)).text();
    const counted = [...metrics.matchAll(/^mlaas_gateway_requests_total\{[^}]*service="echo"[^}]*status_class="2xx"[^}]*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    expect(counted).toBe(served);
  }, 30_000);

  it('keeps serving on the other worker when one is killed with SIGKILL, and starts it again', async () => {
    const [victim] = await workers();
    let killedAt = -1;
    let answeredAfterKill = 0;
    const report = await load({
      maxRequests: 1_200,
      onAnswer: (done) => {
        if (done === 200 && victim !== undefined) {
          process.kill(victim.pid, 'SIGKILL');
          killedAt = done;
        } else if (killedAt > 0) answeredAfterKill++;
      },
    });
    expect(killedAt).toBe(200);
    // Only what was in flight on the killed worker's connections can go unanswered: at most one per caller.
    expect(report.noAnswer + report.truncated).toBeLessThanOrEqual(8);
    expect(report.byStatus[200]).toBeGreaterThanOrEqual(report.sent - 8);
    expect(answeredAfterKill).toBeGreaterThan(900);
    await waitUntil('the killed worker’s slot to serve again', workers, (ws) => ws[0]?.pid !== victim?.pid && ws[0]?.restarts === 1, 15_000);
    expect(isAlive(victim?.pid ?? 0)).toBe(false);
    // The new worker takes requests: a fresh load reaches both slots.
    const mid = await workers();
    const again = await load({ maxRequests: 400 });
    expect(again.byStatus).toEqual({ 200: 400 });
    const end = await waitUntil('the reports', workers, (ws) => ws.reduce((s, w, i) => s + w.requests - (mid[i]?.requests ?? 0), 0) === 400, 5_000);
    for (const [i, w] of end.entries()) expect(w.requests - (mid[i]?.requests ?? 0)).toBeGreaterThan(0);
  }, 90_000);

  it('lets the requests both workers have in flight to a replaced revision finish before its instance is stopped', async () => {
    const slow = Array.from({ length: 4 }, () =>
      fetch(`${up.gatewayUrl}/v1/abrupt`, { method: 'POST', headers: { 'x-api-key': up.demoKey }, body: '{}' }).then(
        async (res) => `${res.status} ${(await res.text()).trim()}`,
        (err: unknown) => String(err),
      ),
    );
    await waitUntil('the requests in flight', status, (st) => Object.values(st.inFlight).reduce((a, n) => a + n, 0) === 4, 4_000, 50);
    writeFileSync(path.join(dir, 'abrupt', 'version.txt'), '2\n');
    expect(await up.cliOk(['deploy', 'abrupt'])).toMatch(/revision abrupt-00002 deployed/);
    expect(await Promise.all(slow)).toEqual(Array.from({ length: 4 }, () => '200 {"revision":"abrupt-00001"}'));
  }, 60_000);

  it('drains both workers on SIGTERM: requests in flight on each are answered, the platform exits 0, no worker is left', async () => {
    const before = await workers();
    const slow = Array.from({ length: 4 }, () =>
      // The service that one instance serves (no scale-in under the test) and that SIGTERM cuts: its requests must be done before it stops.
      fetch(`${up.gatewayUrl}/v1/abrupt`, { method: 'POST', headers: { 'x-api-key': up.demoKey }, body: '{}' }).then(
        async (res) => (await res.text()) && String(res.status),
        (err: unknown) => String(err),
      ),
    );
    // All four reached an instance, over four connections the primary handed to both workers in turn.
    const inFlight = await waitUntil('the requests in flight', workers, (ws) => ws.reduce((s, w, i) => s + w.requests - (before[i]?.requests ?? 0), 0) === 4, 4_000, 50);
    for (const [i, w] of inFlight.entries()) expect(w.requests - (before[i]?.requests ?? 0)).toBeGreaterThan(0);
    // `mlaas status` counts what both workers have in flight.
    await waitUntil('status to count them', status, (st) => Object.values(st.inFlight).reduce((a, n) => a + n, 0) === 4, 4_000, 50);
    const exited = up.stop('SIGTERM');
    expect(await Promise.all(slow)).toEqual(['200', '200', '200', '200']);
    expect(await exited).toBe(0);
    expect(before.map((w) => w.pid).filter(isAlive)).toEqual([]);
  }, 30_000);
});
