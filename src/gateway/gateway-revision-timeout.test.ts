/**
 * A revision's timeoutSeconds bounds a call to it as the route's deadline
 * does (the smaller wins, 504 either way), and the gateway counts the
 * requests that reach each revision for the autoscaler's rps metric. A real
 * loopback server that answers after 2.5 s stands in for a slow instance.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayOperation } from '../config/index.js';
import { generateApiKey, hashSecret } from '../api/api-key.js';
import { createGateway, type Gateway } from './gateway-server.js';
import { compileRouting } from './traffic-router.js';

const apiKey = { name: 'api_key', type: 'apiKey' as const, in: 'header' as const, keyName: 'x-api-key' };
const SLOW_MS = 2_500;

function op(path: string, service: string, deadlineMs: number): GatewayOperation {
  return {
    path,
    method: 'GET',
    security: [[apiKey]],
    apiKeySchemes: [apiKey],
    backend: { kind: 'service', service, path: '/' },
    pathTranslation: 'CONSTANT_ADDRESS',
    deadlineMs,
    configPath: `paths.${path}.get`,
  };
}

let slow: Server;
let gateway: Gateway;
let base: string;
let key: string;

beforeAll(async () => {
  slow = createServer((_req, res) => setTimeout(() => res.end('{"ok":true}'), SLOW_MS));
  await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
  const port = (slow.address() as AddressInfo).port;
  const k = generateApiKey();
  key = k.key;
  gateway = createGateway({
    operations: [op('/v1/bounded', 'bounded', 10_000), op('/v1/free', 'free', 10_000), op('/v1/short-deadline', 'lenient', 200)],
    keys: [{ id: k.id, tenantId: 'acme', hash: hashSecret(k.secret), createdAt: new Date(0).toISOString() }],
    tenants: [{ id: 'acme', displayName: 'Acme', config: {}, attributes: {}, createdAt: '', updatedAt: '' }],
    instances: { ready: (revision) => [{ id: `${revision}-a`, host: '127.0.0.1', port }] },
    maxBodyBytes: 1024,
    logger: pino({ level: 'silent' }),
  });
  for (const service of ['bounded', 'free', 'lenient']) {
    gateway.setRouting(service, compileRouting({ service, sticky: false, targets: [{ revision: `${service}-1`, percent: 100, tag: undefined }] }));
  }
  gateway.setRevisionLimits('bounded-1', { concurrency: 0, maxInstances: 10, timeoutMs: 200 });
  gateway.setRevisionLimits('lenient-1', { concurrency: 0, maxInstances: 10, timeoutMs: 5_000 });
  await new Promise<void>((r) => gateway.server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await gateway.close();
  slow.closeAllConnections();
  await new Promise((r) => slow.close(r));
});

async function call(path: string): Promise<{ status: number; type: string | null; body: { code?: string; detail?: string } }> {
  const res = await fetch(`${base}${path}`, { headers: { 'x-api-key': key } });
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as { code?: string; detail?: string } };
}

describe('timeoutSeconds of a revision', () => {
  it('answers 504 GW_DEADLINE_EXCEEDED when the revision takes longer than its timeout, within a longer route deadline', async () => {
    const r = await call('/v1/bounded');
    expect(r).toMatchObject({ status: 504, type: 'application/problem+json', body: { code: 'GW_DEADLINE_EXCEEDED' } });
    expect(r.body.detail).toBe('backend did not answer within 0.2s');
  });

  it('lets the same slow answer through for a revision without a timeout', async () => {
    expect(await call('/v1/free')).toMatchObject({ status: 200, body: { ok: true } });
  });

  it('keeps the route deadline when it is the smaller bound', async () => {
    const r = await call('/v1/short-deadline');
    expect(r).toMatchObject({ status: 504, body: { code: 'GW_DEADLINE_EXCEEDED', detail: 'backend did not answer within 0.2s' } });
  });
});

describe('requests per revision', () => {
  it('counts every request that reached a revision, answered or not', async () => {
    const before = gateway.revisionRequests('bounded-1');
    await Promise.all([call('/v1/bounded'), call('/v1/bounded'), call('/v1/bounded')]);
    expect(gateway.revisionRequests('bounded-1') - before).toBe(3);
    expect(gateway.revisionRequests('nosuch-1')).toBe(0);
  });
});
