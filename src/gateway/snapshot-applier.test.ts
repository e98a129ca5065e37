// A gateway in another process than the runtime, fed whole snapshots: what it serves after each swap, and its cold starts through the control plane's activator.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayOperation } from '../config/index.js';
import { generateApiKey, hashSecret } from '../api/api-key.js';
import type { GatewaySnapshot } from '../api/gateway-snapshot.js';
import type { InstanceEndpoint, KeyRecord, TenantRecord } from '../api/index.js';
import { createGateway, type Gateway } from './gateway-server.js';
import { SnapshotApplier, type SnapshotTarget } from './snapshot-applier.js';

const apiKey = { name: 'api_key', type: 'apiKey' as const, in: 'header' as const, keyName: 'x-api-key' };
const echoRoute = {
  path: '/v1/echo',
  method: 'POST',
  security: [[apiKey]],
  apiKeySchemes: [apiKey],
  backend: { kind: 'service', service: 'echo', path: '/echo' },
  pathTranslation: 'CONSTANT_ADDRESS',
  deadlineMs: 5_000,
  configPath: 'paths./v1/echo.post',
} as GatewayOperation;

const TOKEN = 'activator-token-for-tests';
const silent = pino({ level: 'silent' });
const tenant: TenantRecord = { id: 'acme', displayName: 'Acme', config: { language: 'de' }, attributes: {}, createdAt: '', updatedAt: '' };
const generated = generateApiKey();
const key: KeyRecord = { id: generated.id, tenantId: 'acme', hash: hashSecret(generated.secret), createdAt: new Date(0).toISOString() };

let backend: Server;
let instance: InstanceEndpoint;
let controlPlane: Gateway;
let activatorUrl: string;
let pokes: string[];
/** The control plane's supervisor's ready set, which its activator waits on. */
const controlPlaneReady = new Map<string, InstanceEndpoint[]>();
let gateway: Gateway;
let applier: SnapshotApplier;
let base: string;

function snapshot(extra: Partial<GatewaySnapshot> = {}): GatewaySnapshot {
  return {
    keys: [key],
    tenants: [tenant],
    flags: undefined,
    overridable: new Map(),
    traffic: new Map([['echo', { service: 'echo', sticky: false, targets: [{ revision: 'echo-00001', percent: 100, tag: undefined }] }]]),
    limits: new Map([['echo-00001', { concurrency: 0, maxInstances: 1, timeoutMs: 5_000 }]]),
    instances: new Map([['echo-00001', [instance]]]),
    activator: { url: activatorUrl, token: TOKEN, issuer: 'http://127.0.0.1:8081' },
    ...extra,
  };
}

const listen = (server: Server): Promise<number> =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

const call = (body = '{}', k = generated.key): Promise<Response> =>
  fetch(`${base}/v1/echo`, { method: 'POST', body, headers: { 'x-api-key': k, 'content-type': 'application/json' } });

beforeAll(async () => {
  backend = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() }));
    });
  });
  instance = { id: 'echo-00001-a', host: '127.0.0.1', port: await listen(backend) };
  controlPlane = createGateway({
    operations: [],
    keys: [],
    tenants: [],
    instances: { ready: (revision) => controlPlaneReady.get(revision) ?? [] },
    maxBodyBytes: 1024,
    logger: silent,
    activatorToken: TOKEN,
    activation: {
      // The runtime starts an instance a moment after the autoscaler is poked.
      poke: (revision) => {
        pokes.push(revision);
        setTimeout(() => {
          controlPlaneReady.set(revision, [instance]);
          controlPlane.instancesChanged(revision);
        }, 50);
      },
    },
  });
  controlPlane.setRevisionLimits('echo-00001', { concurrency: 0, maxInstances: 1, timeoutMs: 5_000 });
  activatorUrl = `http://127.0.0.1:${await listen(controlPlane.activatorServer as Server)}`;
  applier = new SnapshotApplier();
  gateway = createGateway({
    operations: [echoRoute],
    keys: [],
    tenants: [],
    instances: applier,
    remoteActivator: () => applier.activator(),
    maxBodyBytes: 1024,
    logger: silent,
  });
  base = `http://127.0.0.1:${await listen(gateway.server)}`;
});

afterAll(async () => {
  await Promise.all([gateway.close(), controlPlane.close()]);
  await new Promise((r) => backend.close(r));
});

describe('a gateway fed snapshots', () => {
  it('serves a platform service at the snapshot’s instances, with the tenant’s context, and refuses a key once a snapshot has it revoked', async () => {
    applier.apply(gateway, snapshot());
    const res = await call();
    expect(res.status).toBe(200);
    const echo = (await res.json()) as { headers: Record<string, string> };
    expect(echo.headers['x-mlaas-tenant']).toBe('acme');
    expect(echo.headers['x-mlaas-revision']).toBe('echo-00001');
    expect(echo.headers['x-api-key']).toBeUndefined();

    applier.apply(gateway, snapshot({ keys: [{ ...key, revokedAt: new Date().toISOString() }] }));
    const refused = await call();
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { code: string }).code).toBe('GW_KEY_INVALID');
  });

  it('sends a request for a revision with no ready instance to the control plane’s activator, which holds it through the cold start', async () => {
    pokes = [];
    controlPlaneReady.clear();
    applier.apply(gateway, snapshot({ instances: new Map() }));
    const res = await call('{"text":"hello"}');
    expect(res.status).toBe(200);
    const echo = (await res.json()) as { url: string; body: string; headers: Record<string, string> };
    expect(pokes).toEqual(['echo-00001']);
    expect(echo).toMatchObject({ url: '/echo', body: '{"text":"hello"}' });
    expect(echo.headers['x-mlaas-tenant']).toBe('acme');
    expect(echo.headers['x-mlaas-activator-token']).toBeUndefined();
    expect(echo.headers['x-api-key']).toBeUndefined();
  });

  it('sends a request whose every known instance refused it (stopped before the snapshot caught up) on to the control plane’s activator', async () => {
    pokes = [];
    controlPlaneReady.clear();
    const stopped = { id: 'echo-00001-gone', host: '127.0.0.1', port: 1 };
    applier.apply(gateway, snapshot({ instances: new Map([['echo-00001', [stopped]]]) }));
    const res = await call('{"again":true}');
    expect(res.status).toBe(200);
    expect(pokes).toEqual(['echo-00001']);
    expect(await res.json()).toMatchObject({ url: '/echo', body: '{"again":true}' });
  });

  it('answers 503 GW_NO_INSTANCE at once, retry soon, for a revision with no ready instance while no control plane runs', async () => {
    applier.apply(gateway, snapshot({ instances: new Map(), activator: undefined }));
    const res = await call();
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    const body = (await res.json()) as { code: string; detail: string };
    expect(body).toMatchObject({ code: 'GW_NO_INSTANCE', detail: 'revision echo-00001 has no ready instance and no control plane runs to start one' });
  });

  it('answers 503 GW_NO_INSTANCE, retry soon, for a service the snapshot has no traffic for', async () => {
    applier.apply(gateway, snapshot({ traffic: new Map(), limits: new Map() }));
    const res = await call();
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(((await res.json()) as { code: string }).code).toBe('GW_NO_INSTANCE');
  });

  it('sets again only what changed since the last snapshot', () => {
    const calls: string[] = [];
    const record = (name: string) => () => void calls.push(name);
    const target: SnapshotTarget = {
      setKeys: record('keys'),
      setTenants: record('tenants'),
      setFlags: record('flags'),
      setOverridable: record('overridable'),
      setRouting: record('routing'),
      setRevisionLimits: record('limits'),
      forgetRevision: record('forget'),
      instancesChanged: record('instances'),
      retainInstances: record('retain'),
    };
    const fresh = new SnapshotApplier();
    fresh.apply(target, snapshot());
    expect(calls.sort()).toEqual(['flags', 'instances', 'keys', 'limits', 'overridable', 'retain', 'routing', 'tenants']);
    calls.length = 0;
    fresh.apply(target, snapshot());
    expect(calls).toEqual(['retain']);
    fresh.apply(target, snapshot({ keys: [], instances: new Map() }));
    expect(calls.sort()).toEqual(['keys', 'retain', 'retain']);
  });
});

describe('the activator’s listener', () => {
  it('refuses a request without the token with 403 GW_ACTIVATOR_REFUSED, and one for a revision it does not run with 503', async () => {
    const refused = await fetch(`${activatorUrl}/echo`, { method: 'POST', headers: { 'x-mlaas-revision': 'echo-00001', 'x-mlaas-activator-token': 'guess' } });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { code: string }).code).toBe('GW_ACTIVATOR_REFUSED');
    const unknown = await fetch(`${activatorUrl}/echo`, { method: 'POST', headers: { 'x-mlaas-revision': 'other-00001', 'x-mlaas-activator-token': TOKEN } });
    expect(unknown.status).toBe(503);
    expect(((await unknown.json()) as { code: string }).code).toBe('GW_NO_INSTANCE');
  });
});
