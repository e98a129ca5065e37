// Live reload against the real gateway, store and loader over loopback HTTP: what the next request sees after a reload.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, type LoadedConfig } from '../config/index.js';
import { MlaasError } from '../errors.js';
import { createGateway, type Gateway } from '../gateway/index.js';
import { decodeConfigHeader } from '../api/service-contract.js';
import { applyDeclaredTenancy } from './apply-changes.js';
import { ConfigReloader } from './config-reloader.js';
import { tenancyOf } from './publish-tenancy.js';
import { SqliteStateStore } from '../state/sqlite-state-store.js';
import { testIdTokens } from '../gateway/fixtures/test-id-tokens.js';

let dir: string;
let backend: Server;
let backendUrl: string;
let store: SqliteStateStore;
let gateway: Gateway;
let gatewayUrl: string;
let reloader: ConfigReloader;
let apiKey: string;
/** Paths the backend holds for `holdMs` before answering: requests in flight across a reload. */
let holdMs = 0;

interface Route {
  path: string;
  /** The backend path the route forwards to: the answer names it. */
  to: string;
}

function writeDocument(routes: readonly Route[]): void {
  const paths = routes
    .map((r) => `  ${r.path}:\n    post:\n      x-google-backend: { address: '${backendUrl}${r.to}', path_translation: CONSTANT_ADDRESS }\n      responses: { '200': { description: ok } }\n`)
    .join('');
  writeFileSync(
    path.join(dir, 'api-gateway.yaml'),
    `swagger: '2.0'\ninfo: { title: reload, version: 1.0.0 }\nsecurityDefinitions:\n  api_key: { type: apiKey, name: x-api-key, in: header }\nsecurity: [{ api_key: [] }]\npaths:\n${paths}`,
  );
}

function writeConfig(options: { language?: string; port?: number; services?: string; tenants?: string } = {}): void {
  writeFileSync(
    path.join(dir, 'mlaas.yaml'),
    `gateway: { document: api-gateway.yaml, port: ${options.port ?? 8080} }
stateDir: state
flags: { file: flags.json }
${options.services ?? ''}tenants:
  acme: { config: { language: ${options.language ?? 'en'} } }
${options.tenants ?? ''}`,
  );
}

function writeFlags(threshold: number): void {
  writeFileSync(
    path.join(dir, 'flags.json'),
    JSON.stringify({ flags: [{ key: 'threshold', state: 'ENABLED', variants: { low: 0.3, high: threshold }, defaultVariant: 'high' }] }),
  );
}

async function start(): Promise<LoadedConfig> {
  const loaded = await loadConfig(path.join(dir, 'mlaas.yaml'));
  store = new SqliteStateStore({ stateDir: path.join(dir, 'state') });
  applyDeclaredTenancy(store, loaded, path.join(dir, 'state'), 'up');
  apiKey = store.createKey('acme').secretKey;
  gateway = createGateway({
    idTokens: await testIdTokens(),
    operations: loaded.gateway.operations,
    ...tenancyOf(store),
    instances: { ready: () => [] },
    maxBodyBytes: 1024,
    logger: pino({ level: 'silent' }),
  });
  await new Promise<void>((r) => gateway.server.listen(0, '127.0.0.1', r));
  gatewayUrl = `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`;
  reloader = new ConfigReloader({
    started: loaded,
    store,
    target: {
      setGatewayDocument: (doc) => gateway.setOperations(doc.operations),
      setKeys: (k) => gateway.setKeys(k),
      setTenants: (t) => gateway.setTenants(t),
      setFlags: (f) => gateway.setFlags(f),
      setOverridable: (o) => gateway.setOverridable(o),
    },
  });
  return loaded;
}

interface Answer {
  status: number;
  code?: string;
  /** The backend path that answered. */
  at?: string;
  config?: Record<string, unknown>;
}

async function call(route: string): Promise<Answer> {
  const res = await fetch(gatewayUrl + route, { method: 'POST', headers: { 'x-api-key': apiKey }, body: '{}' });
  const body = (await res.json()) as { code?: string; at?: string; config?: string };
  return { status: res.status, code: body.code, at: body.at, config: body.config === undefined ? undefined : decodeConfigHeader(body.config) };
}

async function problemOf(promise: Promise<unknown>): Promise<MlaasError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof MlaasError) return err;
    throw err;
  }
  throw new Error('expected the reload to fail');
}

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-reload-'));
  holdMs = 0;
  backend = createServer((req, res) => {
    req.resume();
    req.on('end', () =>
      setTimeout(() => {
        res.setHeader('content-type', 'application/json');
        const config = req.headers['x-mlaas-config'];
        res.end(JSON.stringify({ at: req.url, config }));
      }, holdMs),
    );
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
  writeConfig();
  writeFlags(0.7);
  writeDocument([
    { path: '/v1/stable', to: '/a' },
    { path: '/v1/old', to: '/a' },
  ]);
  await start();
});

afterEach(async () => {
  await gateway.close();
  await new Promise<void>((r) => backend.close(() => r()));
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ConfigReloader', () => {
  it('serves a path added to the document, a changed backend and a removed path from the very next request', async () => {
    expect(await call('/v1/new')).toMatchObject({ status: 404, code: 'GW_ROUTE_NOT_FOUND' });
    writeDocument([
      { path: '/v1/stable', to: '/b' },
      { path: '/v1/new', to: '/a' },
    ]);
    const report = await reloader.reload();
    expect(report).toMatchObject({
      changed: true,
      gatewayDocument: true,
      operations: { added: ['POST /v1/new'], removed: ['POST /v1/old'], changed: ['POST /v1/stable'] },
      tenants: [],
      flags: [],
      notApplied: [],
    });
    expect(await call('/v1/new')).toMatchObject({ status: 200, at: '/a' });
    expect(await call('/v1/stable')).toMatchObject({ status: 200, at: '/b' });
    expect(await call('/v1/old')).toMatchObject({ status: 404, code: 'GW_ROUTE_NOT_FOUND' });
    // Nothing new in the files: nothing switched.
    expect(await reloader.reload()).toMatchObject({ changed: false, gatewayDocument: false, operations: { added: [], removed: [], changed: [] } });
  });

  it('applies a tenant’s changed settings and a changed flags file to the next request’s config', async () => {
    expect((await call('/v1/stable')).config).toEqual({ language: 'en', threshold: 0.7 });
    writeConfig({ language: 'de' });
    writeFlags(0.9);
    const report = await reloader.reload();
    expect(report).toMatchObject({ changed: true, gatewayDocument: false, tenants: ['acme'], flags: ['threshold'] });
    expect((await call('/v1/stable')).config).toEqual({ language: 'de', threshold: 0.9 });
    expect(store.listAudit({ limit: 5 }).filter((a) => a.actor === 'reload').map((a) => a.action)).toEqual(
      expect.arrayContaining(['tenant.upsert', 'flags.set']),
    );
  });

  it('keeps everything serving as it was when one file is invalid, and reports every error by path', async () => {
    writeConfig({ language: 'de' });
    writeFileSync(
      path.join(dir, 'api-gateway.yaml'),
      `swagger: '2.0'\ninfo: { title: reload, version: 1.0.0 }\npaths:\n  /v1/stable:\n    post:\n      x-google-backend: { address: '${backendUrl}/a', path_translation: SIDEWAYS, deadline: -1 }\n      responses: { '200': { description: ok } }\n  /v1/new:\n    post:\n      x-google-backend: { address: 'mlaas://no-such-service' }\n      responses: { '200': { description: ok } }\n`,
    );
    const err = await problemOf(reloader.reload());
    expect(err.code).toBe('GATEWAY_DOC_INVALID');
    expect(err.message).toBe(`${path.join(dir, 'api-gateway.yaml')}: 3 errors; nothing changed, the running configuration keeps serving`);
    expect(err.errors?.map((e) => e.path)).toEqual([
      'paths./v1/stable.post.x-google-backend.path_translation',
      'paths./v1/stable.post.x-google-backend.deadline',
      'paths./v1/new.post.x-google-backend.address',
    ]);
    expect(await call('/v1/stable')).toMatchObject({ status: 200, at: '/a', config: { language: 'en', threshold: 0.7 } });
    expect(await call('/v1/old')).toMatchObject({ status: 200 });
    expect(await call('/v1/new')).toMatchObject({ status: 404 });
    expect(store.getTenant('acme')?.config).toEqual({ language: 'en' });
  });

  it('reports an invalid flags file and an invalid mlaas.yaml by path, old flags serving', async () => {
    writeFileSync(path.join(dir, 'flags.json'), JSON.stringify({ flags: [{ key: 'threshold', state: 'ON', variants: { a: 1 }, defaultVariant: 'b' }] }));
    const flagsErr = await problemOf(reloader.reload());
    expect(flagsErr).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('flags.json') as unknown });
    expect(flagsErr.errors?.map((e) => e.path)).toEqual(expect.arrayContaining(['flags[0].state']));
    writeFlags(0.7);
    writeConfig({ tenants: '  Bad_Id: {}\n  globex: { quota: { requestsPerMinute: 0 } }\n' });
    const configErr = await problemOf(reloader.reload());
    expect(configErr.code).toBe('CONFIG_INVALID');
    expect(configErr.errors?.map((e) => e.path)).toEqual(['tenants.Bad_Id', 'tenants.globex.quota.requestsPerMinute']);
    expect((await call('/v1/stable')).config).toEqual({ language: 'en', threshold: 0.7 });
  });

  it('switches the routes back when the store cannot take the change, so nothing is half applied', async () => {
    writeConfig({ language: 'de' });
    writeDocument([{ path: '/v1/stable', to: '/a' }, { path: '/v1/new', to: '/a' }]);
    store.close();
    await expect(reloader.reload()).rejects.toThrow();
    expect(await call('/v1/new')).toMatchObject({ status: 404 });
    expect(await call('/v1/old')).toMatchObject({ status: 200 });
  });

  it('lets requests in flight finish on the route they began on, while the next ones see the new document', async () => {
    holdMs = 300;
    const inFlight = Array.from({ length: 8 }, () => call('/v1/old'));
    await new Promise((r) => setTimeout(r, 100));
    writeDocument([{ path: '/v1/stable', to: '/a' }]);
    await reloader.reload();
    holdMs = 0;
    expect(await call('/v1/old')).toMatchObject({ status: 404 });
    expect((await Promise.all(inFlight)).map((a) => a.status)).toEqual(Array(8).fill(200));
  });

  it('applies only what the files changed: a tenant changed through the admin API stays on an unrelated reload', async () => {
    store.upsertTenant('acme', { displayName: 'acme', config: { language: 'fr' } }, { actor: 'admin' });
    gateway.setTenants(store.listTenants());
    writeDocument([{ path: '/v1/stable', to: '/b' }]);
    expect(await reloader.reload()).toMatchObject({ tenants: [] });
    expect((await call('/v1/stable')).config).toMatchObject({ language: 'fr' });
  });

  it('says what it did not apply: services, start-only settings, declarations that went away', async () => {
    mkdirSync(path.join(dir, 'svc'));
    writeConfig({ port: 9090, services: 'services:\n  echo: { source: svc, command: [node, server.mjs] }\n', tenants: '  globex: { demoKey: true }\n' });
    const added = await reloader.reload();
    expect(added.tenants).toEqual(['globex']);
    expect(added.demoKeys).toEqual(['globex']);
    expect(store.listKeys().filter((k) => k.tenantId === 'globex')).toHaveLength(1);
    expect(added.notApplied).toEqual([
      { path: 'services.echo', message: expect.stringContaining('a reload does not deploy services') as unknown },
      { path: 'gateway.port', message: 'changed: read at start only: applies when mlaas up starts again' },
    ]);
    writeFileSync(path.join(dir, 'mlaas.yaml'), 'gateway: { document: api-gateway.yaml }\nstateDir: state\n');
    const removed = await reloader.reload();
    expect(removed.notApplied).toEqual([
      { path: 'tenants.acme', message: 'no longer declared: a reload does not delete tenants (`mlaas apply --prune` or `mlaas tenants delete acme` does)' },
      { path: 'tenants.globex', message: 'no longer declared: a reload does not delete tenants (`mlaas apply --prune` or `mlaas tenants delete globex` does)' },
      { path: 'flags', message: 'no longer declared: the flags in the state store stay (`mlaas flags set` replaces them)' },
    ]);
    expect(store.getTenant('acme')).toBeDefined();
    expect((await call('/v1/stable')).config).toEqual({ language: 'en', threshold: 0.7 });
  });

  it('runs one reload at a time; callers asking while one waits share it', async () => {
    let loads = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const counted = new ConfigReloader({
      started: await loadConfig(path.join(dir, 'mlaas.yaml')),
      store,
      target: { setGatewayDocument: () => {}, setKeys: () => {}, setTenants: () => {}, setFlags: () => {}, setOverridable: () => {} },
      load: async (file) => {
        loads++;
        await gate;
        return loadConfig(file);
      },
    });
    const first = counted.reload();
    // The first has begun reading: a caller now may have written after it read.
    while (loads === 0) await new Promise((r) => setImmediate(r));
    const second = counted.reload();
    const third = counted.reload();
    expect(second).toBe(third);
    expect(first).not.toBe(second);
    release();
    await Promise.all([first, second]);
    expect(loads).toBe(2);
  });

  it('once closed, lets the reloads already asked for finish first and takes no more', async () => {
    writeDocument([{ path: '/v1/stable', to: '/a' }, { path: '/v1/new', to: '/a' }]);
    const underway = reloader.reload();
    const closed = reloader.close();
    await expect(reloader.reload()).rejects.toThrow('the platform is stopping');
    await closed;
    expect(await underway).toMatchObject({ operations: { added: ['POST /v1/new'] } });
  });
});
