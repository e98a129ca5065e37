// The gateway's tenancy over real HTTP: scopes, quotas, the config a service receives, tenant-aware routing.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayOperation } from '../config/index.js';
import { generateApiKey, hashSecret } from '../api/api-key.js';
import type { KeyRecord, TenantRecord } from '../api/index.js';
import { FlagSet } from '../flags/flag-set.js';
import { decodeConfigHeader } from '../api/service-contract.js';
import { createGateway, type Gateway } from './gateway-server.js';
import { compileRouting } from './traffic-router.js';

const apiKey = { name: 'api_key', type: 'apiKey' as const, in: 'header' as const, keyName: 'x-api-key' };

function op(path: string, service: string): GatewayOperation {
  return {
    path,
    method: 'POST',
    security: [[apiKey]],
    apiKeySchemes: [apiKey],
    backend: { kind: 'service', service, path: '/echo' },
    pathTranslation: 'CONSTANT_ADDRESS',
    deadlineMs: 5_000,
    configPath: `paths.${path}.post`,
  } as GatewayOperation;
}

function tenant(id: string, extra: Partial<TenantRecord> = {}): TenantRecord {
  return { id, displayName: id, config: {}, attributes: {}, createdAt: '', updatedAt: '', ...extra };
}

function key(tenantId: string, extra: Partial<KeyRecord> = {}): { record: KeyRecord; secret: string } {
  const k = generateApiKey();
  return { secret: k.key, record: { id: k.id, tenantId, hash: hashSecret(k.secret), createdAt: '', ...extra } };
}

const flagDoc = (threshold: number) => ({
  flags: {
    threshold: { state: 'ENABLED', variants: { low: 0.3, high: threshold }, defaultVariant: 'high' },
    'new-model': {
      state: 'ENABLED',
      variants: { canary: 'canary', stable: 'stable' },
      defaultVariant: 'stable',
      targeting: { fractional: [['canary', 20], ['stable', 80]] },
    },
    'pro-model': {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: { if: [{ '==': [{ var: 'plan' }, 'pro'] }, 'on'] },
    },
  },
});

let upstream: Server;
let gateway: Gateway;
let base: string;
const keys: Record<string, { record: KeyRecord; secret: string }> = {};
let tenants: TenantRecord[];

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ headers: req.headers }));
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const port = (upstream.address() as AddressInfo).port;
  tenants = [
    tenant('acme', { config: { threshold: 0.9, language: 'en' }, attributes: { plan: 'pro' } }),
    tenant('globex', { config: { threshold: 0.1, language: 'de' }, attributes: { plan: 'free' }, quota: { requestsPerMinute: 5 } }),
    tenant('initech', { keyQuota: { requestsPerMinute: 3 } }),
    tenant('umbrella', { quota: { requestsPerMinute: 5 } }),
    tenant('hooli'),
  ];
  keys['acme'] = key('acme');
  keys['globex'] = key('globex');
  keys['scoped'] = key('acme', { scopes: ['spam'] });
  keys['limited'] = key('acme', { quota: { requestsPerMinute: 4 } });
  keys['initech'] = key('initech');
  keys['umbrella'] = key('umbrella');
  keys['umbrella2'] = key('umbrella');
  keys['hooli'] = key('hooli');
  keys['hooli-tester'] = key('hooli', { allowTags: true });
  gateway = createGateway({
    operations: [op('/v1/spam', 'spam'), op('/v1/echo', 'echo')],
    keys: Object.values(keys).map((k) => k.record),
    tenants,
    flags: FlagSet.fromDocument(flagDoc(0.7)),
    overridable: new Map([['echo', ['threshold']]]),
    instances: { ready: (revision) => (revision.startsWith('echo') || revision.startsWith('spam') ? [{ id: revision, host: '127.0.0.1', port }] : []) },
    maxBodyBytes: 1024,
    logger: pino({ level: 'silent' }),
  });
  for (const service of ['spam', 'echo']) {
    gateway.setRouting(
      service,
      compileRouting({
        service,
        sticky: false,
        targets: [
          { revision: `${service}-00001`, percent: 100, tag: undefined },
          { revision: `${service}-00002`, percent: 0, tag: 'canary' },
        ],
      }),
    );
  }
  await new Promise<void>((r) => gateway.server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await gateway.close();
  await new Promise((r) => upstream.close(r));
});

async function call(path: string, secret: string, headers: Record<string, string> = {}) {
  const res = await fetch(base + path, { method: 'POST', headers: { 'x-api-key': secret, ...headers }, body: '{}' });
  const body = (await res.json()) as { headers?: Record<string, string>; code?: string; detail?: string };
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body, seen: body.headers ?? {} };
}

const encode = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('the config a service receives', () => {
  it('is tenant config, then flag values for the tenant, then the overridable request settings', async () => {
    const plain = await call('/v1/echo', keys['acme']!.secret);
    expect(plain.seen['x-mlaas-tenant']).toBe('acme');
    expect(decodeConfigHeader(plain.seen['x-mlaas-config'])).toEqual({
      threshold: 0.7,
      language: 'en',
      'new-model': expect.stringMatching(/^(canary|stable)$/),
      'pro-model': true,
    });
    const overridden = await call('/v1/echo', keys['acme']!.secret, { 'x-mlaas-settings': encode({ threshold: 0.42, language: 'fr' }) });
    expect(decodeConfigHeader(overridden.seen['x-mlaas-config'])).toMatchObject({ threshold: 0.42, language: 'en' });
    // spam declares nothing overridable
    const spam = await call('/v1/spam', keys['acme']!.secret, { 'x-mlaas-settings': encode({ threshold: 0.42 }) });
    expect(decodeConfigHeader(spam.seen['x-mlaas-config'])).toMatchObject({ threshold: 0.7 });
  });

  it('never carries another tenant: forged x-mlaas-tenant and x-mlaas-config are replaced', async () => {
    const forged = await call('/v1/echo', keys['globex']!.secret, {
      'x-mlaas-tenant': 'acme',
      'x-mlaas-config': encode({ threshold: 0.99, plan: 'pro' }),
      'x-mlaas-revision': 'echo-00002',
    });
    expect(forged.status).toBe(200);
    expect(forged.seen['x-mlaas-tenant']).toBe('globex');
    expect(decodeConfigHeader(forged.seen['x-mlaas-config'])).toMatchObject({ language: 'de', 'pro-model': false });
    expect(forged.seen['x-mlaas-revision']).toBe('echo-00001');
  });

  it('answers 400 for a malformed x-mlaas-settings header', async () => {
    const bad = await call('/v1/echo', keys['acme']!.secret, { 'x-mlaas-settings': '%%%' });
    expect(bad).toMatchObject({ status: 400, body: { code: 'GW_SETTINGS_INVALID' } });
  });

  it('carries a flag change, and a tenant change, in the very next request', async () => {
    gateway.setFlags(FlagSet.fromDocument(flagDoc(0.8)));
    expect(decodeConfigHeader((await call('/v1/echo', keys['acme']!.secret)).seen['x-mlaas-config'])).toMatchObject({ threshold: 0.8 });
    gateway.setTenants(tenants.map((t) => (t.id === 'acme' ? { ...t, config: { ...t.config, language: 'sv' }, attributes: { plan: 'free' } } : t)));
    expect(decodeConfigHeader((await call('/v1/echo', keys['acme']!.secret)).seen['x-mlaas-config'])).toMatchObject({ language: 'sv', 'pro-model': false });
    gateway.setTenants(tenants);
    gateway.setFlags(FlagSet.fromDocument(flagDoc(0.7)));
  });
});

describe('scopes', () => {
  it('lets a scoped key call its services only, with 403 GW_KEY_SCOPE otherwise', async () => {
    expect((await call('/v1/spam', keys['scoped']!.secret)).status).toBe(200);
    const refused = await call('/v1/echo', keys['scoped']!.secret);
    expect(refused).toMatchObject({ status: 403, body: { code: 'GW_KEY_SCOPE', detail: 'this API key may call spam, not service echo' } });
    expect((await call('/v1/echo', keys['acme']!.secret)).status).toBe(200);
  });
});

describe('quotas', () => {
  it('answers 429 GW_QUOTA_EXCEEDED with Retry-After past a key’s own limit, without touching other keys', async () => {
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await call('/v1/spam', keys['limited']!.secret)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    const refused = await call('/v1/spam', keys['limited']!.secret);
    expect(refused.body.code).toBe('GW_QUOTA_EXCEEDED');
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(60);
    expect((await call('/v1/spam', keys['acme']!.secret)).status).toBe(200);
  });

  it('applies a tenant’s quota over all its keys, and its keyQuota to keys without their own', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call('/v1/spam', keys['umbrella']!.secret)).status);
    for (let i = 0; i < 3; i++) statuses.push((await call('/v1/spam', keys['umbrella2']!.secret)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const initech = [];
    for (let i = 0; i < 4; i++) initech.push((await call('/v1/spam', keys['initech']!.secret)).status);
    expect(initech).toEqual([200, 200, 200, 429]);
  });
});

describe('tenant-aware routing', () => {
  it('sends a tenant with a rule to its tag, and the rest by the split', async () => {
    gateway.setRouting(
      'echo',
      compileRouting({
        service: 'echo',
        sticky: false,
        targets: [
          { revision: 'echo-00001', percent: 100, tag: undefined },
          { revision: 'echo-00002', percent: 0, tag: 'canary' },
        ],
        tenantTags: { acme: 'canary' },
      }),
    );
    expect((await call('/v1/echo', keys['acme']!.secret)).seen['x-mlaas-revision']).toBe('echo-00002');
    expect((await call('/v1/echo', keys['hooli']!.secret)).seen['x-mlaas-revision']).toBe('echo-00001');
  });

  it('does not let a caller’s x-mlaas-tag reach another tenant’s pinned revision, or leave its own', async () => {
    gateway.setRouting(
      'echo',
      compileRouting({
        service: 'echo',
        sticky: false,
        targets: [
          { revision: 'echo-00001', percent: 100, tag: undefined },
          { revision: 'echo-00002', percent: 0, tag: 'acme-model' },
          { revision: 'echo-00003', percent: 0, tag: 'canary' },
        ],
        tenantTags: { acme: 'acme-model' },
      }),
    );
    const revisionFor = async (who: string, tag: string) =>
      (await call('/v1/echo', keys[who]!.secret, { 'x-mlaas-tag': tag })).seen['x-mlaas-revision'];
    expect(await revisionFor('hooli', 'acme-model')).toBe('echo-00001');
    expect(await revisionFor('hooli', 'canary')).toBe('echo-00001');
    expect(await revisionFor('acme', 'canary')).toBe('echo-00002');
    // A key allowed to choose tags (a tester's) still can.
    expect(await revisionFor('hooli-tester', 'canary')).toBe('echo-00003');
    expect(await revisionFor('hooli-tester', 'acme-model')).toBe('echo-00002');
  });

  it('honours any caller’s x-mlaas-tag on a service without tenant rules', async () => {
    gateway.setRouting(
      'echo',
      compileRouting({
        service: 'echo',
        sticky: false,
        targets: [
          { revision: 'echo-00001', percent: 100, tag: undefined },
          { revision: 'echo-00002', percent: 0, tag: 'canary' },
        ],
      }),
    );
    expect((await call('/v1/echo', keys['hooli']!.secret, { 'x-mlaas-tag': 'canary' })).seen['x-mlaas-revision']).toBe('echo-00002');
  });

  it('sends 20% ± 5 points of 500 tenants to the canary by a fractional flag, each always to the same revision', async () => {
    const many = Array.from({ length: 500 }, (_, i) => tenant(`t-${i}`));
    const manyKeys = many.map((t) => key(t.id));
    gateway.setTenants(many);
    gateway.setKeys(manyKeys.map((k) => k.record));
    gateway.setRouting(
      'echo',
      compileRouting({
        service: 'echo',
        sticky: false,
        targets: [
          { revision: 'echo-00001', percent: 100, tag: undefined },
          { revision: 'echo-00002', percent: 0, tag: 'canary' },
        ],
        flagTag: 'new-model',
      }),
    );
    const revisions = async () => {
      const out: string[] = [];
      for (let i = 0; i < manyKeys.length; i += 50) {
        const batch = manyKeys.slice(i, i + 50).map((k) => call('/v1/echo', k.secret).then((r) => r.seen['x-mlaas-revision'] ?? '?'));
        out.push(...(await Promise.all(batch)));
      }
      return out;
    };
    const first = await revisions();
    const canaries = first.filter((r) => r === 'echo-00002').length;
    expect(canaries).toBeGreaterThanOrEqual(75);
    expect(canaries).toBeLessThanOrEqual(125);
    expect(await revisions()).toEqual(first);
    gateway.setTenants(tenants);
    gateway.setKeys(Object.values(keys).map((k) => k.record));
  });
});
