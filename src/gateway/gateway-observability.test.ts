/**
 * The gateway's metrics and request log, seen as an operator sees them: the
 * Prometheus text of its registry and the JSON lines of its request log, after
 * real requests over loopback to a real upstream.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey, hashSecret } from '../api/api-key.js';
import type { KeyRecord, TenantRecord } from '../api/index.js';
import type { GatewayOperation } from '../config/index.js';
import { createGateway, type Gateway } from './gateway-server.js';
import { RequestLog } from './request-log.js';
import { compileRouting } from './traffic-router.js';
import type { ReadyInstance } from './upstream-pools.js';

const scheme = { name: 'key', type: 'apiKey' as const, in: 'header' as const, keyName: 'x-api-key' };

function op(path: string, extra: Partial<GatewayOperation> = {}): GatewayOperation {
  return {
    path,
    method: 'POST',
    security: [[scheme]],
    apiKeySchemes: [scheme],
    backend: { kind: 'service', service: 'echo', path: '/echo' },
    pathTranslation: 'CONSTANT_ADDRESS',
    deadlineMs: 5_000,
    configPath: `paths.${path}.post`,
    ...extra,
  } as GatewayOperation;
}

function keyOf(tenantId: string, extra: Partial<KeyRecord> = {}): { record: KeyRecord; key: string } {
  const k = generateApiKey();
  return { key: k.key, record: { id: k.id, tenantId, hash: hashSecret(k.secret), createdAt: '', ...extra } };
}

const tenant = (id: string): TenantRecord => ({ id, displayName: id, config: {}, attributes: {}, createdAt: '', updatedAt: '' });

interface Started {
  gateway: Gateway;
  base: string;
  registry: Registry;
  lines: Record<string, unknown>[];
  ready: Record<string, ReadyInstance[]>;
}

let upstream: Server;
let upstreamPort: number;
const started: Started[] = [];
const keys = { a: keyOf('tenant-a'), b: keyOf('tenant-b'), limited: keyOf('tenant-a', { quota: { requestsPerMinute: 1, burst: 1 } }) };

async function start(options: { sample?: number; tenantLabels?: number } = {}): Promise<Started> {
  const registry = new Registry();
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const ready: Record<string, ReadyInstance[]> = { 'echo-00001': [{ id: 'echo-1', host: '127.0.0.1', port: upstreamPort }] };
  const gateway = createGateway({
    operations: [op('/v1/echo', { operationId: 'echo' } as Partial<GatewayOperation>), op('/v1/items/{id}')],
    keys: Object.values(keys).map((k) => k.record),
    tenants: [tenant('tenant-a'), tenant('tenant-b')],
    instances: { ready: (revision) => ready[revision] ?? [] },
    maxBodyBytes: 1024,
    logger: pino({ level: 'silent' }),
    metrics: { registry, tenantLabels: options.tenantLabels ?? 0 },
    requestLog: new RequestLog({ destination: { write: (l: string) => sink.write(l) }, sample: options.sample ?? 1 }),
  });
  gateway.setRouting('echo', compileRouting({ service: 'echo', sticky: false, targets: [{ revision: 'echo-00001', percent: 100, tag: undefined }] }));
  await new Promise<void>((r) => gateway.server.listen(0, '127.0.0.1', r));
  const s = { gateway, base: `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`, registry, lines, ready };
  started.push(s);
  return s;
}

function post(s: Started, path: string, key: string | undefined, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${s.base}${path}`, { method: 'POST', body: '{"x":1}', headers: { ...(key === undefined ? {} : { 'x-api-key': key }), ...headers } });
}

/** Waits for the log lines pino writes asynchronously. */
async function linesOf(s: Started, count: number): Promise<Record<string, unknown>[]> {
  for (let i = 0; i < 100 && s.lines.length < count; i++) await new Promise((r) => setTimeout(r, 10));
  return s.lines;
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(req.headers['x-fail'] === '1' ? 503 : 200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamPort = (upstream.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const s of started) await s.gateway.close();
  await new Promise((r) => upstream.close(r));
});

describe('gateway metrics', () => {
  it('count requests by service, revision, route and status class, with histograms of the call and of the gateway share', async () => {
    const s = await start();
    for (let i = 0; i < 3; i++) expect((await post(s, '/v1/echo', keys.a.key)).status).toBe(200);
    expect((await post(s, '/v1/items/7', keys.a.key, { 'x-fail': '1' })).status).toBe(503);
    expect((await post(s, '/v1/echo', undefined)).status).toBe(401);
    expect((await post(s, '/nowhere', keys.a.key)).status).toBe(404);
    const text = await s.registry.metrics();
    expect(text).toContain('mlaas_gateway_requests_total{service="echo",revision="echo-00001",route="echo",status_class="2xx"} 3');
    expect(text).toContain('mlaas_gateway_requests_total{service="echo",revision="echo-00001",route="POST /v1/items/{id}",status_class="5xx"} 1');
    // Refused before a revision was picked.
    expect(text).toContain('mlaas_gateway_requests_total{service="echo",revision="",route="echo",status_class="4xx"} 1');
    expect(text).toContain('mlaas_gateway_requests_total{service="",revision="",route="(unmatched)",status_class="4xx"} 1');
    expect(text).toContain('mlaas_gateway_request_duration_seconds_count{service="echo",revision="echo-00001",route="echo"} 3');
    expect(text).toContain('mlaas_gateway_overhead_seconds_count{service="echo",revision="echo-00001",route="echo"} 3');
    expect(text).toContain('mlaas_gateway_requests_in_flight 0');
    expect(text).toContain('mlaas_revision_requests_in_flight{revision="echo-00001"} 0');
    const sum = (name: string) => Number(new RegExp(`^${name}_sum\\{[^}]*route="echo"\\} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(sum('mlaas_gateway_overhead_seconds')).toBeLessThan(sum('mlaas_gateway_request_duration_seconds'));
  });

  it('count quota rejections by the limit that refused', async () => {
    const s = await start();
    expect((await post(s, '/v1/echo', keys.limited.key)).status).toBe(200);
    expect((await post(s, '/v1/echo', keys.limited.key)).status).toBe(429);
    expect(await s.registry.metrics()).toContain('mlaas_gateway_quota_rejections_total{scope="key",limit="key"} 1');
  });

  it('label tenants only up to the bound, the rest as (other)', async () => {
    const s = await start({ tenantLabels: 1 });
    await post(s, '/v1/echo', keys.a.key);
    await post(s, '/v1/echo', keys.b.key);
    await post(s, '/v1/echo', keys.b.key);
    const text = await s.registry.metrics();
    expect(text).toContain('route="echo",tenant="tenant-a",status_class="2xx"} 1');
    expect(text).toContain('route="echo",tenant="(other)",status_class="2xx"} 2');
    expect(text).not.toContain('tenant-b');
  });

  it('measure the wait of a request that found no ready instance', async () => {
    const s = await start();
    const instance = s.ready['echo-00001'] as ReadyInstance[];
    s.ready['echo-00001'] = [];
    const answer = post(s, '/v1/echo', keys.a.key);
    while (s.gateway.activatorStatus().find((g) => g.revision === 'echo-00001')?.queued !== 1) await new Promise((r) => setTimeout(r, 5));
    // It waits from before it was seen queued until the instance is back: at least these 50 ms.
    await new Promise((r) => setTimeout(r, 50));
    s.ready['echo-00001'] = instance;
    s.gateway.instancesChanged('echo-00001');
    expect((await answer).status).toBe(200);
    const text = await s.registry.metrics();
    expect(text).toContain('mlaas_activator_wait_seconds_count{revision="echo-00001"} 1');
    const [line] = await linesOf(s, 1);
    expect(line?.['queueMs']).toBeGreaterThanOrEqual(45);
    expect(line?.['queueMs']).toBeLessThanOrEqual(line?.['durationMs'] as number);
  });
});

describe('gateway request log', () => {
  it('writes one JSON line per request with its ids, tenant, route, status, durations and sizes', async () => {
    const s = await start();
    const traceId = 'a'.repeat(32);
    await post(s, '/v1/echo?key=secret', keys.a.key, { 'x-request-id': 'req-1', traceparent: `00-${traceId}-${'b'.repeat(16)}-01` });
    await post(s, '/v1/echo', undefined, { 'x-request-id': 'req-2' });
    const lines = await linesOf(s, 2);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'request',
      requestId: 'req-1',
      traceId,
      tenant: 'tenant-a',
      service: 'echo',
      revision: 'echo-00001',
      instance: 'echo-1',
      route: 'echo',
      method: 'POST',
      path: '/v1/echo',
      status: 200,
      requestBytes: 7,
    });
    expect(lines[0]?.['time']).toEqual(expect.any(Number));
    expect(lines[0]?.['durationMs']).toBeGreaterThan(0);
    expect(lines[0]?.['responseBytes']).toBeGreaterThan('{"ok":true}'.length);
    expect(lines[1]).toMatchObject({ requestId: 'req-2', status: 401, route: 'echo', service: 'echo' });
    expect(lines[1]).not.toHaveProperty('revision');
    expect(lines[1]?.['traceId']).toMatch(/^[0-9a-f]{32}$/);
  });

  it('keeps its lines valid JSON whatever the path holds', async () => {
    const s = await start();
    const path = '/nowhere/"quoted"\\back';
    await new Promise<void>((resolve, reject) => {
      const port = Number(new URL(s.base).port);
      const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'x-request-id': 'odd-1' } }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
    const [line] = await linesOf(s, 1);
    expect(line).toMatchObject({ requestId: 'odd-1', status: 404, route: '(unmatched)', path });
  });

  it('logs only server errors when sampling is 0', async () => {
    const s = await start({ sample: 0 });
    await post(s, '/v1/echo', keys.a.key, { 'x-request-id': 'ok-1' });
    await post(s, '/v1/echo', keys.a.key, { 'x-request-id': 'failed-1', 'x-fail': '1' });
    const lines = await linesOf(s, 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(lines.map((l) => l['requestId'])).toEqual(['failed-1']);
  });
});
