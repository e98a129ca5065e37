// Two gateways sharing their limits through one real redis-server, over real HTTP, and what each does while that Redis is gone.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from '../../test/redis-server.js';
import { generateApiKey, hashSecret } from '../api/api-key.js';
import type { KeyRecord, TenantRecord } from '../api/index.js';
import { parseGatewayDocument } from '../config/index.js';
import { createGateway, type Gateway } from './gateway-server.js';
import { RedisQuotaLimiter } from './redis-quota-limiter.js';

let redis: TestRedis;
let upstream: Server;
let backend: string;

beforeAll(async () => {
  redis = await startRedis();
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  backend = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await redis.stop();
  await new Promise((r) => upstream.close(r));
});

function document(): unknown {
  const ok = { responses: { '200': { description: 'ok' } } };
  return {
    swagger: '2.0',
    info: { title: 'shared quotas', version: '1.0.0' },
    securityDefinitions: { api_key: { type: 'apiKey', name: 'x-api-key', in: 'header' } },
    security: [{ api_key: [] }],
    'x-google-backend': { address: backend, disable_auth: true },
    'x-google-management': {
      metrics: [{ name: 'read-requests', displayName: 'Read requests', valueType: 'INT64', metricKind: 'DELTA' }],
      quota: { limits: [{ name: 'read-limit', metric: 'read-requests', unit: '1/min/{project}', values: { STANDARD: 3 } }] },
    },
    paths: {
      '/v1/predict': { post: ok },
      '/v1/read': { get: { ...ok, 'x-google-quota': { metricCosts: { 'read-requests': 1 } } } },
    },
  };
}

interface Replica {
  gateway: Gateway;
  quotas: RedisQuotaLimiter;
  registry: Registry;
  base: string;
  /** The gateway's log lines' messages. */
  logged: string[];
}

interface Cluster {
  replicas: Replica[];
  /** API key → its secret: `limited` (10 per minute), `free` (no limit of its own), in tenant acme. */
  secrets: Record<'limited' | 'free' | 'reader', string>;
}

let cluster: Cluster | undefined;

afterEach(async () => {
  for (const r of cluster?.replicas ?? []) {
    await r.gateway.close();
    await r.quotas.close();
  }
  cluster = undefined;
  await redis.kill();
  await redis.start();
});

function keyRecord(tenantId: string, quota?: KeyRecord['quota']): { record: KeyRecord; secret: string } {
  const k = generateApiKey();
  return { record: { id: k.id, tenantId, hash: hashSecret(k.secret), createdAt: '', ...(quota === undefined ? {} : { quota }) }, secret: k.key };
}

/** Two gateways over one Redis, with the same keys and tenants; a generous timeout, so that a loaded machine times out no check a test does not mean to. */
async function twoGateways(failOpen: boolean, timeout = 1_000): Promise<Cluster> {
  const limited = keyRecord('acme', { requestsPerMinute: 10 });
  const free = keyRecord('acme');
  const reader = keyRecord('globex');
  const tenants: TenantRecord[] = ['acme', 'globex'].map((id) => ({ id, displayName: id, config: {}, attributes: {}, createdAt: '', updatedAt: '' }));
  const replicas: Replica[] = [];
  for (let i = 0; i < 2; i++) {
    const logged: string[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _enc, done) {
          logged.push((JSON.parse(chunk.toString()) as { msg: string }).msg);
          done();
        },
      }),
    );
    const quotas = await RedisQuotaLimiter.connect({ settings: { redis: redis.url, failOpen, timeout }, logger });
    const registry = new Registry();
    const gateway = createGateway({
      operations: parseGatewayDocument(document()).operations,
      keys: [limited.record, free.record, reader.record],
      tenants,
      instances: { ready: () => [] },
      maxBodyBytes: 1024,
      logger,
      metrics: { registry },
      quotas,
    });
    await new Promise<void>((r) => gateway.server.listen(0, '127.0.0.1', r));
    replicas.push({ gateway, quotas, registry, base: `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`, logged });
  }
  cluster = { replicas, secrets: { limited: limited.secret, free: free.secret, reader: reader.secret } };
  return cluster;
}

interface Answer {
  status: number;
  retryAfter: string | null;
  contentType: string | null;
  code?: string;
  detail?: string;
}

/** `n` requests in turn at each replica, one at a time; each must be answered within 5 s. */
async function alternate(c: Cluster, n: number, secret: string, path = '/v1/predict'): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let i = 0; i < n; i++) {
    const replica = c.replicas[i % c.replicas.length] as Replica;
    const res = await fetch(replica.base + path, {
      method: path === '/v1/predict' ? 'POST' : 'GET',
      headers: { 'x-api-key': secret },
      signal: AbortSignal.timeout(5_000),
    });
    const text = await res.text();
    const problem = res.status === 200 ? {} : (JSON.parse(text) as { code: string; detail: string });
    answers.push({ status: res.status, retryAfter: res.headers.get('retry-after'), contentType: res.headers.get('content-type'), ...problem });
  }
  return answers;
}

const statuses = (answers: readonly Answer[]): Record<number, number> => {
  const out: Record<number, number> = {};
  for (const a of answers) out[a.status] = (out[a.status] ?? 0) + 1;
  return out;
};

async function degradedGauge(r: Replica): Promise<number | undefined> {
  const metric = await r.registry.getSingleMetric('mlaas_gateway_quota_degraded')?.get();
  return metric?.values[0]?.value;
}

/** Polls until every replica's degraded gauge reads `value` (within 5 s). */
async function untilGauges(c: Cluster, value: number): Promise<void> {
  const until = Date.now() + 5_000;
  for (;;) {
    const values = await Promise.all(c.replicas.map(degradedGauge));
    if (values.every((v) => v === value)) return;
    if (Date.now() > until) throw new Error(`degraded gauges ${values.join(', ')}, expected ${value}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('limits shared by two gateways through Redis', () => {
  it('admits 10 of 15 requests alternating between them under a key limit of 10 per minute; the rest 429 with Retry-After', async () => {
    const c = await twoGateways(true);
    const answers = await alternate(c, 15, c.secrets.limited);
    expect(answers.map((a) => a.status)).toEqual([...Array<number>(10).fill(200), ...Array<number>(5).fill(429)]);
    for (const refused of answers.slice(10)) {
      expect(refused).toMatchObject({ contentType: 'application/problem+json', code: 'GW_QUOTA_EXCEEDED' });
      expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(59);
      expect(Number(refused.retryAfter)).toBeLessThanOrEqual(60);
    }
    expect(await Promise.all(c.replicas.map(degradedGauge))).toEqual([0, 0]);
  });

  it('shares the gateway document’s quota limits between them', async () => {
    const c = await twoGateways(true);
    const answers = await alternate(c, 4, c.secrets.reader, '/v1/read');
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    expect(answers[3]?.detail).toMatch(/^tenant globex is over limit "read-limit" of the gateway document: 3 per minute/);
    expect(c.replicas[1]?.gateway.documentQuotas()).toEqual([expect.objectContaining({ limit: 'read-limit', use: [{ tenant: 'globex', used: 3 }] })]);
  });

  it('with failOpen, keeps serving when Redis dies, each gateway counting alone, and shares again once Redis is back', async () => {
    const c = await twoGateways(true);
    expect(statuses(await alternate(c, 4, c.secrets.limited))).toEqual({ 200: 4 });
    await redis.kill();
    // 30 requests, 15 at each: each gateway admits the key's 10 on its own, refuses 5; no 5xx, every request answered.
    const alone = await alternate(c, 30, c.secrets.limited);
    expect(statuses(alone)).toEqual({ 200: 20, 429: 10 });
    await untilGauges(c, 1);
    for (const r of c.replicas) expect(r.logged.filter((m) => m.startsWith('quotas degraded'))).toHaveLength(1);

    await redis.start();
    await untilGauges(c, 0);
    // A fresh Redis: the key's 10 shared again between both.
    expect(statuses(await alternate(c, 15, c.secrets.limited))).toEqual({ 200: 10, 429: 5 });
    for (const r of c.replicas) {
      expect(r.logged.filter((m) => m.startsWith('quotas degraded'))).toHaveLength(1);
      expect(r.logged.filter((m) => m === 'quotas shared through Redis')).toHaveLength(2);
    }
  });

  it('with failOpen, answers within its timeout when Redis stops answering on an open connection, and shares again once it answers', async () => {
    const c = await twoGateways(true, 500);
    expect(statuses(await alternate(c, 4, c.secrets.limited))).toEqual({ 200: 4 });
    redis.pause();
    try {
      // Each gateway waits out its 500ms timeout once, then counts alone: 10 each.
      expect(statuses(await alternate(c, 24, c.secrets.limited))).toEqual({ 200: 20, 429: 4 });
      await untilGauges(c, 1);
    } finally {
      redis.resume();
    }
    // The connection never closed: the gateways' probe finds Redis answering again.
    await untilGauges(c, 0);
    // Redis kept its window: the 4 admitted before the pause (and the 2 checks that timed out, which it ran once resumed) leave 4.
    expect(statuses(await alternate(c, 6, c.secrets.limited))).toEqual({ 200: 4, 429: 2 });
  });

  it('without failOpen, answers 503 GW_QUOTA_UNAVAILABLE while Redis is gone, serves what no limit applies to, and shares again once it is back', async () => {
    const c = await twoGateways(false);
    expect(statuses(await alternate(c, 4, c.secrets.limited))).toEqual({ 200: 4 });
    await redis.kill();
    const refused = await alternate(c, 10, c.secrets.limited);
    expect(statuses(refused)).toEqual({ 503: 10 });
    for (const a of refused) expect(a).toMatchObject({ contentType: 'application/problem+json', code: 'GW_QUOTA_UNAVAILABLE', retryAfter: '1' });
    expect(statuses(await alternate(c, 4, c.secrets.free))).toEqual({ 200: 4 });
    await untilGauges(c, 1);

    await redis.start();
    await untilGauges(c, 0);
    expect(statuses(await alternate(c, 15, c.secrets.limited))).toEqual({ 200: 10, 429: 5 });
  });
});
