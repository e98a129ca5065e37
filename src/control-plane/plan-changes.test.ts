import { describe, expect, it } from 'vitest';
import type { GatewayDocument, GatewayOperation } from '../config/index.js';
import { fieldChanges } from '../config/field-changes.js';
import { pendingChanges, planChanges, planProblems, type DesiredState, type LiveState } from './plan-changes.js';
import type { RevisionRecord, TrafficPolicy } from '../state/state-store.js';

const AT = '2026-01-01T00:00:00.000Z';

function op(method: GatewayOperation['method'], path: string, service: string, extra: Partial<GatewayOperation> = {}): GatewayOperation {
  return {
    method,
    path,
    backend: { kind: 'service', service, path: '/answer' },
    pathTranslation: 'APPEND_PATH_TO_ADDRESS',
    deadlineMs: 15_000,
    backendAudience: `mlaas://${service}`,
    security: [],
    apiKeySchemes: [],
    configPath: `paths.${path}.${method.toLowerCase()}`,
    ...extra,
  };
}

const doc = (...operations: GatewayOperation[]): GatewayDocument => ({ title: 't', operations });

const spec = (max: number, env: Record<string, string> = {}) => ({ command: ['node', 'server.mjs'], env, scaling: { minInstances: 0, maxInstances: max } });
const revSpec = (digest: string, max: number) => ({ artifact: { digest }, command: ['node', 'server.mjs'], env: {}, scaling: { minInstances: 0, maxInstances: max } });

function revision(service: string, n: number, state: RevisionRecord['state'] = 'ready'): RevisionRecord {
  const name = `${service}-0000${n}`;
  return { name, service, number: n, spec: { ...revSpec('sha256:a', 3), artifact: { digest: 'sha256:a', dir: '/x', kind: 'plain', env: {} } }, createdAt: AT, state };
}

const split: TrafficPolicy = { targets: [{ revision: 'echo-00001', percent: 50 }, { latestRevision: true, percent: 50, tag: 'next' }], sticky: false };

function live(): LiveState {
  return {
    services: [
      { name: 'echo', spec: spec(3), createdAt: AT, updatedAt: AT },
      { name: 'old', spec: spec(1), createdAt: AT, updatedAt: AT },
    ],
    tenants: [
      { id: 'acme', displayName: 'Acme', config: { language: 'en' }, attributes: {}, createdAt: AT, updatedAt: AT },
      { id: 'gone', displayName: 'gone', config: {}, attributes: {}, createdAt: AT, updatedAt: AT },
    ],
    keys: [{ id: 'k1', tenantId: 'gone', hash: 'h', createdAt: AT }],
    revisions: [revision('echo', 1), revision('echo', 2), revision('old', 1)],
    traffic: { echo: split },
    flags: { flags: { threshold: { state: 'ENABLED', variants: { high: 0.5 }, defaultVariant: 'high' } } },
    aliases: ['spam@production'],
    gateway: doc(op('POST', '/v1/echo', 'echo'), op('POST', '/v1/old', 'old')),
  };
}

/** What the files say when nothing changed since `live()`. */
function unchanged(): DesiredState {
  return {
    services: { echo: { spec: spec(3), revision: revSpec('sha256:a', 3), needsRevision: false } },
    tenants: { acme: { displayName: 'Acme', config: { language: 'en' }, attributes: {} } },
    flags: { flags: { threshold: { state: 'ENABLED', variants: { high: 0.5 }, defaultVariant: 'high' } } },
    aliases: ['spam@production'],
    gateway: doc(op('POST', '/v1/echo', 'echo'), op('POST', '/v1/old', 'old')),
  };
}

describe('planChanges', () => {
  it('plans nothing to change when the files say what runs; what they do not declare is left', () => {
    const changes = planChanges(unchanged(), live());
    expect(pendingChanges(changes)).toEqual([]);
    expect(changes).toEqual([
      { action: 'leave', kind: 'service', name: 'old' },
      { action: 'leave', kind: 'tenant', name: 'gone' },
    ]);
  });

  it('names each changed field of a service, its new revision, its traffic, tenants, flags and routes, by path', () => {
    const desired = unchanged();
    desired.services['echo'] = {
      spec: spec(5, { FOO: 'bar' }),
      revision: revSpec('sha256:a', 5),
      needsRevision: true,
      traffic: { targets: [{ revision: 'echo-00001', percent: 80 }, { latestRevision: true, percent: 20, tag: 'next' }], sticky: false },
    };
    desired.tenants['beta'] = { displayName: 'Beta', config: {}, attributes: {} };
    desired.tenants['acme'] = { displayName: 'Acme', config: { language: 'de' }, attributes: {} };
    desired.gateway = doc(op('POST', '/v1/echo', 'echo', { deadlineMs: 5_000 }), op('POST', '/v1/old', 'old'), op('GET', '/v1/new', 'echo'));
    expect(planChanges(desired, live(), { prune: true })).toEqual([
      { action: 'update', kind: 'service', name: 'echo', fields: [{ path: 'env.FOO', new: 'bar' }, { path: 'scaling.maxInstances', old: 3, new: 5 }] },
      { action: 'create', kind: 'revision', name: 'echo', note: 'replaces echo-00002', fields: [{ path: 'scaling.maxInstances', old: 3, new: 5 }] },
      {
        action: 'update',
        kind: 'traffic',
        name: 'echo',
        fields: [
          { path: 'targets[0].percent', old: 50, new: 80 },
          { path: 'targets[1].percent', old: 50, new: 20 },
        ],
      },
      { action: 'delete', kind: 'service', name: 'old', note: 'stops its instances' },
      { action: 'update', kind: 'tenant', name: 'acme', fields: [{ path: 'config.language', old: 'en', new: 'de' }] },
      { action: 'create', kind: 'tenant', name: 'beta', fields: [{ path: 'displayName', new: 'Beta' }] },
      { action: 'delete', kind: 'tenant', name: 'gone' },
      { action: 'delete', kind: 'key', name: 'k1', note: 'tenant gone' },
      expect.objectContaining({ action: 'create', kind: 'route', name: 'GET /v1/new' }),
      { action: 'update', kind: 'route', name: 'POST /v1/echo', fields: [{ path: 'deadline', old: 15, new: 5 }] },
    ]);
  });

  it('creates the first revision, the default traffic and a missing seeded alias of a new service', () => {
    const desired = unchanged();
    desired.services['fresh'] = { spec: spec(1), revision: revSpec('sha256:f', 1), needsRevision: true, traffic: { targets: [{ latestRevision: true, percent: 100 }], sticky: false } };
    desired.aliases = ['spam@production', 'spam@canary'];
    const changes = pendingChanges(planChanges(desired, live()));
    expect(changes.map((c) => `${c.action} ${c.kind}/${c.name}${c.note ? ` (${c.note})` : ''}`)).toEqual([
      'create alias/spam@canary',
      'create service/fresh',
      'create revision/fresh (first revision)',
      'create traffic/fresh',
    ]);
  });

  it('leaves the traffic of a service alone when the file declares none', () => {
    const changes = planChanges(unchanged(), { ...live(), traffic: { echo: { targets: [{ revision: 'echo-00002', percent: 100 }], sticky: true } } });
    expect(pendingChanges(changes)).toEqual([]);
  });
});

describe('planProblems', () => {
  it('names the route and the service when a route goes to a service the apply deletes', () => {
    expect(planProblems(unchanged(), live(), { prune: true })).toEqual([
      {
        path: 'paths./v1/old.post.x-google-backend.address',
        message: 'route POST /v1/old goes to service old, which this apply deletes (--prune: mlaas.yaml no longer declares it)',
      },
    ]);
    expect(planProblems(unchanged(), live())).toEqual([]);
  });

  it('names a revisionName that the service does not have, at its path in mlaas.yaml', () => {
    const desired = unchanged();
    (desired.services['echo'] as { traffic?: TrafficPolicy }).traffic = { targets: [{ revision: 'echo-00009', percent: 100 }], sticky: false };
    expect(planProblems(desired, live())).toEqual([{ path: 'services.echo.traffic.targets[0].revisionName', message: 'no revision echo-00009 of service echo' }]);
  });
});

describe('fieldChanges', () => {
  it('shows a map that appears in a list field by field', () => {
    expect(fieldChanges({ t: [{ p: 100 }] }, { t: [{ p: 80 }, { p: 20, tag: 'next' }] })).toEqual([
      { path: 't[0].p', old: 100, new: 80 },
      { path: 't[1].p', new: 20 },
      { path: 't[1].tag', new: 'next' },
    ]);
  });

  it('gives each changed leaf its path; a list of strings is one value', () => {
    expect(fieldChanges({ a: { b: 1, c: [1, 2] }, d: 'x' }, { a: { b: 2, c: [1, 3] }, e: 'y' })).toEqual([
      { path: 'a.b', old: 1, new: 2 },
      { path: 'a.c', old: [1, 2], new: [1, 3] },
      { path: 'd', old: 'x' },
      { path: 'e', new: 'y' },
    ]);
  });
});
