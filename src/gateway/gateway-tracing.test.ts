/**
 * The gateway's spans as a tracing backend sees them: a real OTLP/HTTP
 * receiver on loopback (fixtures/otlp-receiver.ts) takes what the exporter sends,
 * while a real gateway forwards real requests to a real upstream.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey, hashSecret } from '../api/api-key.js';
import type { KeyRecord, TenantRecord } from '../api/index.js';
import type { GatewayOperation } from '../config/index.js';
import { CLIENT_KIND as CLIENT, SERVER_KIND as SERVER, spanAttribute, startOtlpReceiver, type OtlpReceiver, type OtlpSpan } from '../tracing/fixtures/otlp-receiver.js';
import { otlpTracingFromEnv, type OtlpTracing } from '../tracing/otlp-tracing-from-env.js';
import { createGateway, type Gateway } from './gateway-server.js';
import { compileRouting } from './traffic-router.js';
import type { ReadyInstance } from './upstream-pools.js';

const scheme = { name: 'key', type: 'apiKey' as const, in: 'header' as const, keyName: 'x-api-key' };
const operation = {
  path: '/v1/items/{id}',
  method: 'POST',
  security: [[scheme]],
  apiKeySchemes: [scheme],
  backend: { kind: 'service', service: 'echo', path: '/echo' },
  pathTranslation: 'CONSTANT_ADDRESS',
  deadlineMs: 5_000,
  configPath: 'paths./v1/items/{id}.post',
} as GatewayOperation;
const k = generateApiKey();
const key: KeyRecord = { id: k.id, tenantId: 'tenant-a', hash: hashSecret(k.secret), createdAt: '' };
const tenant: TenantRecord = { id: 'tenant-a', displayName: 'A', config: {}, attributes: {}, createdAt: '', updatedAt: '' };

let receiver: OtlpReceiver;
let receiverUrl: string;
let exports: OtlpReceiver['posts'];
let spans: OtlpSpan[];
let upstream: Server;
let upstreamPort: number;
const upstreamSaw: (string | undefined)[] = [];
const open: { gateway: Gateway; tracing: OtlpTracing | undefined }[] = [];

const attr = spanAttribute;

async function start(env: NodeJS.ProcessEnv, ready: ReadyInstance[]): Promise<{ base: string; tracing: OtlpTracing | undefined; logged: string[] }> {
  const logged: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _e, done) => (logged.push(chunk.toString()), done()) }));
  const tracing = otlpTracingFromEnv(env, logger);
  const gateway = createGateway({
    operations: [operation],
    keys: [key],
    tenants: [tenant],
    instances: { ready: () => ready },
    maxBodyBytes: 1024,
    logger: pino({ level: 'silent' }),
    tracer: tracing?.tracer,
  });
  gateway.setRouting('echo', compileRouting({ service: 'echo', sticky: false, targets: [{ revision: 'echo-00001', percent: 100, tag: undefined }] }));
  await new Promise<void>((r) => gateway.server.listen(0, '127.0.0.1', r));
  open.push({ gateway, tracing });
  return { base: `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`, tracing, logged };
}

const instance: ReadyInstance[] = [];
const post = (base: string, headers: Record<string, string> = {}) =>
  fetch(`${base}/v1/items/7?verbose=1`, { method: 'POST', body: '{}', headers: { 'x-api-key': k.key, ...headers } });

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  ({ url: receiverUrl, posts: exports, spans } = receiver);
  upstream = createServer((req, res) => {
    upstreamSaw.push(req.headers['traceparent'] as string | undefined);
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamPort = (upstream.address() as AddressInfo).port;
  instance.push({ id: 'echo-1', host: '127.0.0.1', port: upstreamPort });
});

afterEach(async () => {
  for (const { gateway, tracing } of open.splice(0)) {
    await gateway.close();
    await tracing?.shutdown();
  }
  exports.length = 0;
  spans.length = 0;
  upstreamSaw.length = 0;
});

afterAll(async () => {
  await receiver.close();
  await new Promise((r) => upstream.close(r));
});

describe('gateway tracing over OTLP/HTTP', () => {
  it('continues the caller’s trace with a server span, and the instance gets a traceparent naming the client span under it', async () => {
    const g = await start({ OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl, OTEL_SERVICE_NAME: 'edge' }, instance);
    const caller = { trace: '4bf92f3577b34da6a3ce929d0e0e4736', span: '00f067aa0ba902b7' };
    const res = await post(g.base, { traceparent: `00-${caller.trace}-${caller.span}-01`, 'user-agent': 'tracing-test' });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    // Batched: nothing is sent until the batch is due or the platform shuts down.
    await g.tracing?.shutdown();

    expect(exports.every((e) => e.path === '/v1/traces' && e.contentType === 'application/json')).toBe(true);
    const server = spans.find((s) => s.kind === SERVER);
    const client = spans.find((s) => s.kind === CLIENT);
    expect(spans).toHaveLength(2);
    expect(server).toMatchObject({ traceId: caller.trace, parentSpanId: caller.span, name: 'POST /v1/items/{id}', serviceName: 'edge' });
    expect(client).toMatchObject({ traceId: caller.trace, parentSpanId: server?.spanId, name: 'POST' });
    expect(upstreamSaw).toEqual([`00-${caller.trace}-${client?.spanId}-01`]);

    const s = server as OtlpSpan;
    expect(attr(s, 'http.request.method')).toBe('POST');
    expect(attr(s, 'url.path')).toBe('/v1/items/7');
    expect(attr(s, 'url.scheme')).toBe('http');
    expect(attr(s, 'http.route')).toBe('/v1/items/{id}');
    expect(attr(s, 'http.response.status_code')).toBe(200);
    expect(attr(s, 'server.address')).toBe('127.0.0.1');
    expect(attr(s, 'server.port')).toBe(Number(new URL(g.base).port));
    expect(attr(s, 'client.address')).toBe('127.0.0.1');
    expect(attr(s, 'user_agent.original')).toBe('tracing-test');
    expect(attr(s, 'mlaas.service')).toBe('echo');
    expect(attr(s, 'mlaas.revision')).toBe('echo-00001');
    expect(attr(s, 'mlaas.tenant')).toBe('tenant-a');
    expect(attr(s, 'mlaas.request_id')).toBe(res.headers.get('x-request-id'));
    const c = client as OtlpSpan;
    expect(attr(c, 'http.request.method')).toBe('POST');
    expect(attr(c, 'server.address')).toBe('127.0.0.1');
    expect(attr(c, 'server.port')).toBe(upstreamPort);
    expect(attr(c, 'url.full')).toBe(`http://127.0.0.1:${upstreamPort}/echo`);
    expect(attr(c, 'http.response.status_code')).toBe(200);
    expect(attr(c, 'mlaas.instance')).toBe('echo-1');
    expect(g.logged.join('')).toContain('tracing on');
  });

  it('starts a new trace when the caller sent none, and uses OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given', async () => {
    const g = await start({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiverUrl}/v1/traces` }, instance);
    expect((await (await post(g.base)).arrayBuffer()).byteLength).toBeGreaterThan(0);
    await g.tracing?.shutdown();
    const server = spans.find((s) => s.kind === SERVER);
    const client = spans.find((s) => s.kind === CLIENT);
    expect(server?.parentSpanId ?? '').toBe('');
    expect(server?.serviceName).toBe('mlaas-gateway');
    expect(upstreamSaw).toEqual([`00-${server?.traceId}-${client?.spanId}-01`]);
  });

  it('marks an attempt the instance refused, and the resend to the next instance, on their client spans', async () => {
    const refusing = createServer();
    await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', r));
    const deadPort = (refusing.address() as AddressInfo).port;
    await new Promise((r) => refusing.close(r));
    const g = await start({ OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl }, [{ id: 'dead', host: '127.0.0.1', port: deadPort }, ...instance]);
    // Least in-flight with ties round-robin: two requests meet the dead instance first at least once.
    for (let i = 0; i < 2; i++) expect((await post(g.base)).status).toBe(200);
    await g.tracing?.shutdown();
    const refused = spans.find((s) => s.kind === CLIENT && attr(s, 'mlaas.instance') === 'dead') as OtlpSpan;
    expect(attr(refused, 'error.type')).toBe('ECONNREFUSED');
    expect(refused.status?.code).toBe(2);
    const resent = spans.find((s) => s.kind === CLIENT && s.traceId === refused.traceId && s.spanId !== refused.spanId) as OtlpSpan;
    expect(attr(resent, 'http.request.resend_count')).toBe(1);
    expect(upstreamSaw).toContain(`00-${resent.traceId}-${resent.spanId}-01`);
  });

  it('says at start-up which settings it cannot honour', async () => {
    const g = await start({ OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_TRACES_SAMPLER: 'jaeger_remote', OTEL_PROPAGATORS: 'b3' }, instance);
    const log = g.logged.join('');
    expect(log).toContain('OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported');
    expect(log).toContain('OTEL_TRACES_SAMPLER=jaeger_remote is not supported');
    expect(log).toContain('OTEL_PROPAGATORS');
  });

  it('samples as OTEL_TRACES_SAMPLER says: always_off exports nothing and tells the instance the trace is not sampled', async () => {
    const g = await start({ OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl, OTEL_TRACES_SAMPLER: 'always_off' }, instance);
    const caller = '4bf92f3577b34da6a3ce929d0e0e4736';
    expect((await post(g.base, { traceparent: `00-${caller}-00f067aa0ba902b7-01` })).status).toBe(200);
    await g.tracing?.shutdown();
    expect(spans).toHaveLength(0);
    expect(upstreamSaw[0]).toMatch(new RegExp(`^00-${caller}-(?!00f067aa0ba902b7)[0-9a-f]{16}-00$`));
  });
});

describe('gateway tracing off', () => {
  it('makes no tracer without an endpoint, with OTEL_SDK_DISABLED=true or with OTEL_TRACES_EXPORTER=none', () => {
    const warned: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _e, done) => (warned.push(chunk.toString()), done()) }));
    expect(otlpTracingFromEnv({ OTEL_SERVICE_NAME: 'edge', OTEL_EXPORTER_OTLP_ENDPOINT: '' }, logger)).toBeUndefined();
    // A variable that would shape spans, set without an endpoint, is not silently dropped.
    expect(warned.join('')).toMatch(/"set":\["OTEL_SERVICE_NAME"\].*tracing off/);
    expect(otlpTracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl, OTEL_SDK_DISABLED: 'true' }, logger)).toBeUndefined();
    expect(otlpTracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl, OTEL_TRACES_EXPORTER: 'none' }, logger)).toBeUndefined();
  });

  it('exports nothing and still continues the caller’s trace id towards the instance', async () => {
    const g = await start({}, instance);
    expect(g.tracing).toBeUndefined();
    const caller = '4bf92f3577b34da6a3ce929d0e0e4736';
    expect((await post(g.base, { traceparent: `00-${caller}-00f067aa0ba902b7-01` })).status).toBe(200);
    expect(upstreamSaw[0]).toMatch(new RegExp(`^00-${caller}-[0-9a-f]{16}-01$`));
    await new Promise((r) => setTimeout(r, 50));
    expect(exports).toHaveLength(0);
  });
});
