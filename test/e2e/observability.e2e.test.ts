/**
 * Black-box: what an operator of the real `mlaas up` observes. After 50
 * requests through the gateway, `GET /metrics` (admin port, no token; and the
 * `metrics.port` listener) counts them by service and status class with a
 * latency histogram, and shows an instance gauge per revision; the request log
 * has one JSON line per request carrying its x-request-id; the instance's log
 * is JSON lines naming it; its own metrics are relayed by the admin API; the
 * public listener answers no `/metrics`; `mlaas logs --follow` shows a new
 * instance line within 1 s, `--requests` the request log; `mlaas audit` the changes.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, startMlaasUp, waitUntil, type MlaasUp } from './mlaas-process.js';
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
    // Printed by mlaas up, and in its log.
    const metricsUrl = /metrics\s+(http:\/\/\S+)/.exec(up.output().stdout)?.[1] ?? '';
    const log = readLines(path.join(dir, 'state', 'logs', 'mlaas.log'));
    expect(log.find((l) => l['msg'] === 'mlaas up')?.['metricsUrl']).toBe(metricsUrl);
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

  it('follows the instance log with mlaas logs --follow: a new line shows within 1 s', async () => {
    const follow = spawn(process.execPath, [BIN, 'logs', 'echo', '--follow', '--since', '1m'], {
      cwd: dir,
      env: { ...process.env, MLAAS_STATE_DIR: path.join(dir, 'state') },
    });
    let out = '';
    follow.stdout.on('data', (c: Buffer) => (out += c.toString()));
    try {
      await waitUntil('the lines so far', async () => out, (o) => o.includes('handled e2e-49'), 10_000, 20);
      const sentAt = Date.now();
      await (await fetch(`${up.gatewayUrl}/v1/echo`, { method: 'POST', body: '{}', headers: { 'x-api-key': up.demoKey, 'x-request-id': 'followed-1' } })).text();
      await waitUntil('the new line', async () => out, (o) => o.includes('handled followed-1'), 5_000, 10);
      expect(Date.now() - sentAt).toBeLessThan(1_000);
      expect(out).toMatch(/^\S+Z {2}echo-00001-\w+ {2}stdout {2}handled followed-1$/m);
    } finally {
      follow.kill('SIGINT');
    }
  });

  it('prints the request log with --requests and the audit log with mlaas audit', async () => {
    const requests = (await up.cliOk(['logs', 'echo', '--requests', '-o', 'json'])).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(requests.filter((l) => String(l['requestId']).startsWith('e2e-'))).toHaveLength(REQUESTS);
    const text = await up.cliOk(['logs', 'echo', '--requests', '--since', '10m']);
    expect(text).toMatch(/^\S+Z {2}500 {2}POST \/v1\/echo {2}[\d.]+ms {2}echo-00001 {2}e2e-0$/m);
    const audit = JSON.parse(await up.cliOk(['audit', '--since', '1h', '-o', 'json'])) as { action: string; target: string }[];
    expect(audit).toContainEqual(expect.objectContaining({ action: 'service.upsert', target: 'service/echo' }));
    await up.cliOk(['tenants', 'set', 'acme', '--config', '{"threshold":0.7}']);
    const diff = await up.cliOk(['audit', '--limit', '1']);
    expect(diff).toMatch(/^\S+Z {2}\S+ {2}tenant\.upsert {2}tenant\/acme {2}\{"created":false\}\n {4}config\.threshold: \(none\) → 0\.7\n$/);
    const unknown = await up.cli(['logs', 'nosuch']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no service nosuch');
  });
});
