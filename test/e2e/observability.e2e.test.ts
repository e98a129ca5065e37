/**
 * Black-box: what an operator of the real `mlaas up` observes. After 50
 * requests through the gateway, `GET /metrics` (admin port, no token; and the
 * `metrics.port` listener) counts them by service and status class with a
 * latency histogram, and shows an instance gauge per revision; the request log
 * has one JSON line per request carrying its x-request-id; the instance's log
 * is JSON lines naming it; its own metrics are relayed by the admin API; and
 * the public listener answers no `/metrics`.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMlaasUp, waitUntil, type MlaasUp } from './mlaas-process.js';
import { postRoutesDocument, writeNodeService } from './scenario.js';

let dir: string;
let up: MlaasUp;
let adminUrl: string;
let token: string;
const REQUESTS = 50;
const FAILED = 10;

function readLines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-observability-e2e-'));
  writeNodeService(
    path.join(dir, 'echo'),
    `  if (req.url === '/metrics') return res.end('# TYPE echo_own_total counter\\necho_own_total 7\\n');
  req.resume();
  req.on('end', () => {
    console.log('handled ' + req.headers['x-request-id']);
    res.statusCode = req.headers['x-fail'] === '1' ? 500 : 200;
    res.end('{"ok":true}');
  });`,
  );
  writeFileSync(
    path.join(dir, 'mlaas.yaml'),
    `gateway: { document: api-gateway.yaml }
stateDir: state
metrics: { port: 0 }
services:
  echo:
    source: echo
    command: [node, server.mjs]
    scaling: { minInstances: 1 }
tenants:
  acme: { demoKey: true }
`,
  );
  writeFileSync(path.join(dir, 'api-gateway.yaml'), postRoutesDocument([{ path: '/v1/echo', address: 'mlaas://echo/answer' }]));
  up = await startMlaasUp(dir, 'state');
  adminUrl = (JSON.parse(readFileSync(path.join(dir, 'state', 'endpoint.json'), 'utf8')) as { adminUrl: string }).adminUrl;
  token = readFileSync(path.join(dir, 'state', 'admin-token'), 'utf8').trim();
  for (let i = 0; i < REQUESTS; i++) {
    const res = await fetch(`${up.gatewayUrl}/v1/echo`, {
      method: 'POST',
      body: '{}',
      headers: { 'x-api-key': up.demoKey, 'x-request-id': `e2e-${i}`, ...(i < FAILED ? { 'x-fail': '1' } : {}) },
    });
    expect(res.status).toBe(i < FAILED ? 500 : 200);
    await res.arrayBuffer();
  }
}, 180_000);

afterAll(async () => {
  await up?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('mlaas up observability', () => {
  it('counts the requests on GET /metrics of the admin port, without the admin token', async () => {
    const res = await fetch(`${adminUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const series = 'service="echo",revision="echo-00001",route="POST /v1/echo"';
    expect(text).toContain(`mlaas_gateway_requests_total{${series},status_class="2xx"} ${REQUESTS - FAILED}`);
    expect(text).toContain(`mlaas_gateway_requests_total{${series},status_class="5xx"} ${FAILED}`);
    expect(text).toContain(`mlaas_gateway_request_duration_seconds_count{${series}} ${REQUESTS}`);
    expect(text).toMatch(new RegExp(`mlaas_gateway_request_duration_seconds_bucket\\{${series.replace(/[{}/]/g, '\\$&')},le="\\+Inf"\\} ${REQUESTS}`));
    expect(text).toContain(`mlaas_gateway_overhead_seconds_count{${series}} ${REQUESTS}`);
    expect(text).toContain('mlaas_revision_instances{service="echo",revision="echo-00001",state="ready"} 1');
    expect(text).toMatch(/^process_cpu_seconds_total \d/m);
    // The autoscaler's series appear with its first decision, on its first tick.
    const scaled = await waitUntil(
      'the autoscaler on /metrics',
      async () => (await fetch(`${adminUrl}/metrics`)).text(),
      (t) => t.includes('mlaas_autoscaler_desired_instances{'),
      10_000,
    );
    expect(scaled).toContain('mlaas_autoscaler_desired_instances{service="echo",revision="echo-00001"} 1');
    expect(scaled).toContain('mlaas_autoscaler_panic{service="echo",revision="echo-00001"} 0');
  });

  it('serves the same metrics on metrics.port, and none on the public listener', async () => {
    const log = readLines(path.join(dir, 'state', 'logs', 'mlaas.log'));
    const metricsUrl = log.find((l) => l['msg'] === 'mlaas up')?.['metricsUrl'] as string;
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const text = await (await fetch(metricsUrl)).text();
    expect(text).toContain(`mlaas_gateway_request_duration_seconds_count{service="echo",revision="echo-00001",route="POST /v1/echo"} ${REQUESTS}`);
    const onGateway = await fetch(`${up.gatewayUrl}/metrics`);
    expect(onGateway.status).toBe(404);
    expect(((await onGateway.json()) as { code: string }).code).toBe('GW_ROUTE_NOT_FOUND');
  });

  it('logs each request once, as a JSON line carrying its x-request-id', async () => {
    const file = path.join(dir, 'state', 'logs', 'requests.log');
    const all = await waitUntil('50 request log lines', async () => readLines(file), (l) => l.length >= REQUESTS, 5_000);
    const lines = all.filter((l) => l['path'] === '/v1/echo');
    expect(lines).toHaveLength(REQUESTS);
    for (let i = 0; i < REQUESTS; i++) {
      const mine = lines.filter((l) => l['requestId'] === `e2e-${i}`);
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({
        msg: 'request',
        tenant: 'acme',
        service: 'echo',
        revision: 'echo-00001',
        route: 'POST /v1/echo',
        method: 'POST',
        path: '/v1/echo',
        status: i < FAILED ? 500 : 200,
        requestBytes: 2,
        traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
        durationMs: expect.any(Number),
        gatewayMs: expect.any(Number),
      });
    }
  });

  it("writes the instance's output as JSON lines naming it, and relays its own metrics through the admin API", async () => {
    const status = JSON.parse(await up.cliOk(['status', '-o', 'json'])) as { services: { instances: { id: string }[] }[] };
    const id = status.services[0]?.instances[0]?.id ?? '';
    const logs = path.join(dir, 'state', 'logs', 'echo');
    expect(readdirSync(logs)).toContain(`${id}.log`);
    const lines = readLines(path.join(logs, `${id}.log`));
    expect(lines).toContainEqual(
      expect.objectContaining({ service: 'echo', revision: 'echo-00001', instance: id, stream: 'stdout', msg: 'handled e2e-7', level: 30 }),
    );
    const relayed = await fetch(`${adminUrl}/v1/revisions/echo-00001/instances/${id}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(relayed.status).toBe(200);
    expect(await relayed.text()).toContain('echo_own_total 7');
    expect((await fetch(`${adminUrl}/v1/revisions/echo-00001/instances/${id}/metrics`)).status).toBe(401);
  });
});
