// The gateway document's quotas over real HTTP: x-google-quota.metricCosts charged against quota.limits per tenant.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGatewayDocument } from '../config/index.js';
import { generateApiKey, hashSecret } from '../api/api-key.js';
import type { KeyRecord, TenantRecord } from '../api/index.js';
import { createGateway, type Gateway } from './gateway-server.js';

let upstream: Server;
let gateway: Gateway;
let base: string;
const secrets: Record<string, string> = {};

function document(backend: string): unknown {
  const ok = { responses: { '200': { description: 'ok' } } };
  return {
    swagger: '2.0',
    info: { title: 'quotas', version: '1.0.0' },
    securityDefinitions: { api_key: { type: 'apiKey', name: 'x-api-key', in: 'header' } },
    security: [{ api_key: [] }],
    'x-google-backend': { address: backend, disable_auth: true },
    'x-google-management': {
      metrics: [{ name: 'read-requests', displayName: 'Read requests', valueType: 'INT64', metricKind: 'DELTA' }],
      quota: { limits: [{ name: 'read-limit', metric: 'read-requests', unit: '1/min/{project}', values: { STANDARD: 3 } }] },
    },
    paths: {
      '/v1/read': { get: { ...ok, 'x-google-quota': { metricCosts: { 'read-requests': 1 } } } },
      '/v1/search': { post: { ...ok, 'x-google-quota': { metricCosts: { 'read-requests': 2 } } } },
      '/v1/public': { get: { ...ok, security: [], 'x-google-quota': { metricCosts: { 'read-requests': 1 } } } },
      '/v1/free': { get: ok },
    },
  };
}

function tenant(id: string): TenantRecord {
  return { id, displayName: id, config: {}, attributes: {}, createdAt: '', updatedAt: '' };
}

function key(tenantId: string): KeyRecord {
  const k = generateApiKey();
  secrets[tenantId] = k.key;
  return { id: k.id, tenantId, hash: hashSecret(k.secret), createdAt: '' };
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const port = (upstream.address() as AddressInfo).port;
  gateway = createGateway({
    operations: parseGatewayDocument(document(`http://127.0.0.1:${port}`)).operations,
    keys: [key('acme'), key('globex'), key('initech')],
    tenants: [tenant('acme'), tenant('globex'), tenant('initech')],
    instances: { ready: () => [] },
    maxBodyBytes: 1024,
    logger: pino({ level: 'silent' }),
  });
  await new Promise<void>((r) => gateway.server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await gateway.close();
  await new Promise((r) => upstream.close(r));
});

interface Answer {
  status: number;
  retryAfter: string | null;
  contentType: string | null;
  code?: string;
  detail?: string;
}

async function call(path: string, tenantId?: string, method = 'GET'): Promise<Answer> {
  const res = await fetch(base + path, { method, headers: tenantId === undefined ? {} : { 'x-api-key': secrets[tenantId] as string } });
  const text = await res.text();
  const problem = res.status === 200 ? {} : (JSON.parse(text) as { code: string; detail: string });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), contentType: res.headers.get('content-type'), ...problem };
}

describe('quotas of the gateway document', () => {
  it('answers 3 requests of cost 1 under a limit of 3 per minute, then 429 naming the limit, with Retry-After', async () => {
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await call('/v1/read', 'acme'));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    const refused = answers[3] as Answer;
    expect(refused.contentType).toBe('application/problem+json');
    expect(refused.code).toBe('GW_QUOTA_EXCEEDED');
    expect(refused.detail).toMatch(/^tenant acme is over limit "read-limit" of the gateway document: 3 per minute of metric read-requests/);
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(59);
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(60);
    // An operation the document does not charge is not held back.
    expect((await call('/v1/free', 'acme')).status).toBe(200);
  });

  it('counts an operation of cost 2 double, for its tenant only', async () => {
    expect((await call('/v1/search', 'globex', 'POST')).status).toBe(200);
    expect((await call('/v1/read', 'globex')).status).toBe(200);
    expect((await call('/v1/read', 'globex')).status).toBe(429);
    // 2 of 3 left after a search: a second search does not fit.
    expect((await call('/v1/search', 'initech', 'POST')).status).toBe(200);
    const second = await call('/v1/search', 'initech', 'POST');
    expect(second.status).toBe(429);
    expect(second.detail).toContain('this operation costs 2');
  });

  it('lets callers without a tenant share one allowance on an operation that checks no key', async () => {
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await call('/v1/public'));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    expect(answers[3]?.detail).toMatch(/^callers without a tenant \(they share one allowance\) are over limit "read-limit"/);
  });

  it('reports each tenant’s use of each limit for mlaas status', () => {
    expect(gateway.documentQuotas()).toEqual([
      {
        limit: 'read-limit',
        metric: 'read-requests',
        perMinute: 3,
        use: [
          { tenant: '(anonymous)', used: 3 },
          { tenant: 'acme', used: 3 },
          { tenant: 'globex', used: 3 },
          { tenant: 'initech', used: 2 },
        ],
      },
    ]);
  });
});
