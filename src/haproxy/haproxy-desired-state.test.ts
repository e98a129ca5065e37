// What HAProxy's maps hold for a gateway snapshot, checked against the TypeScript gateway's own decisions for the same snapshot.
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generateApiKey, hashSecret } from '../api/api-key.js';
import type { GatewaySnapshot } from '../api/gateway-snapshot.js';
import type { KeyRecord, TenantRecord } from '../api/index.js';
import { decodeConfigHeader } from '../api/service-contract.js';
import type { ResolvedTraffic } from '../api/traffic.js';
import { parseGatewayDocument } from '../config/index.js';
import { FlagSet } from '../flags/flag-set.js';
import { prepareOperation } from '../gateway/prepared-operation.js';
import { RequestTenancy } from '../gateway/request-tenancy.js';
import { compileRouting, pickRevision } from '../gateway/traffic-router.js';
import { desiredHaproxyState } from './haproxy-desired-state.js';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

function tenant(id: string, extra: Partial<TenantRecord> = {}): TenantRecord {
  return { id, displayName: id, config: {}, attributes: {}, createdAt: '', updatedAt: '', ...extra };
}

function key(tenantId: string, extra: Partial<KeyRecord> = {}): { record: KeyRecord; secret: string } {
  const k = generateApiKey();
  return { secret: k.key, record: { id: k.id, tenantId, hash: hashSecret(k.secret), createdAt: '', ...extra } };
}

const flags = {
  flags: {
    threshold: { state: 'ENABLED', variants: { low: 0.3, high: 0.7 }, defaultVariant: 'high' },
    route: {
      state: 'ENABLED',
      variants: { canary: 'canary', stable: 'stable', none: 'nowhere' },
      defaultVariant: 'none',
      targeting: { if: [{ '==': [{ var: 'plan' }, 'pro'] }, 'canary', { if: [{ '==': [{ var: 'plan' }, 'team'] }, 'stable', 'none'] }] },
    },
  },
};

const tenants = [
  tenant('acme', { config: { threshold: 0.9, language: 'en' }, attributes: { plan: 'pro' } }),
  tenant('hooli', { config: { language: 'de' }, attributes: { plan: 'team' } }),
  tenant('initech', { keyQuota: { requestsPerMinute: 3 } }),
  tenant('umbrella', { quota: { requestsPerMinute: 5 } }),
  tenant('wayne'),
];

const keys = {
  acme: key('acme'),
  hooli: key('hooli'),
  wayne: key('wayne'),
  revoked: key('acme', { revokedAt: iso(NOW - HOUR) }),
  expired: key('acme', { expiresAt: iso(NOW - 1) }),
  later: key('hooli', { expiresAt: iso(NOW + HOUR) }),
  // Expires sooner but is not admitted by HAProxy: it must not bring the next recomputation forward.
  limitedSoon: key('acme', { quota: { requestsPerMinute: 4 }, expiresAt: iso(NOW + 60_000) }),
  initech: key('initech'),
  umbrella: key('umbrella'),
  scoped: key('acme', { scopes: ['spam', 'echo'] }),
};

function target(revision: string, percent: number, tag?: string) {
  return { revision, percent, tag };
}

const traffic: ResolvedTraffic[] = [
  { service: 'spam', sticky: false, targets: [target('spam-1', 30), target('spam-2', 70), target('spam-3', 0, 'canary')], tenantTags: { wayne: 'canary' } },
  { service: 'sticky', sticky: true, targets: [target('sticky-1', 50), target('sticky-2', 50)] },
  { service: 'flagged', sticky: false, flagTag: 'route', targets: [target('flagged-1', 100, 'stable'), target('flagged-2', 0, 'canary')] },
  { service: 'mirrored', sticky: false, mirror: { tag: 'shadow', percent: 10 }, targets: [target('mirrored-1', 100), target('mirrored-2', 0, 'shadow')] },
];

const revisions = traffic.flatMap((t) => t.targets.map((x) => x.revision));
const instance = (id: string) => ({ id, host: '127.0.0.1', port: 9000 });

const snapshot: GatewaySnapshot = {
  keys: Object.values(keys).map((k) => k.record),
  tenants,
  flags,
  overridable: new Map(),
  traffic: new Map(traffic.map((t) => [t.service, t])),
  limits: new Map(revisions.map((r, i) => [r, { concurrency: i % 3, maxInstances: 5, timeoutMs: (i + 1) * 1000 }])),
  // spam-2 is at zero: published with no instances; the rest but sticky-2 have one.
  instances: new Map([
    ...revisions.filter((r) => r !== 'spam-2' && r !== 'sticky-2').map((r): [string, ReturnType<typeof instance>[]] => [r, [instance(`${r}-a`)]]),
    ['spam-2', []],
  ]),
  activator: undefined,
};

// The deadlines of the native operations to each service: spam's routes have two.
const deadlinesOf = (service: string) => (service === 'spam' ? [1_500, 30_000] : [15_000]);
const state = desiredHaproxyState(snapshot, NOW, deadlinesOf);

// The TypeScript gateway over the same snapshot.
const tenancy = new RequestTenancy({ keys: snapshot.keys, tenants, flags: FlagSet.fromDocument(flags), now: () => NOW });
const [operation] = parseGatewayDocument(
  parse(`
swagger: '2.0'
info: { title: t, version: 1.0.0 }
securityDefinitions: { api_key: { type: apiKey, name: x-api-key, in: header } }
security: [{ api_key: [] }]
paths:
  /v1/spam:
    post:
      x-google-backend: { address: 'mlaas://spam' }
      responses: { '200': { description: ok } }
`),
).operations;
const prepared = prepareOperation(operation as NonNullable<typeof operation>);

async function gatewayConfigHeader(secret: string): Promise<string | undefined> {
  const admission = await tenancy.admit({ headers: { 'x-api-key': secret } } as unknown as IncomingMessage, prepared, '');
  if (!admission.ok) throw new Error(`the gateway refused the key: ${admission.code}`);
  return admission.configHeader;
}

const keyEntry = (k: { record: KeyRecord }) => state.maps.keys.get(`${k.record.hash}.${k.record.id}`);

describe('desiredHaproxyState: keys', () => {
  it('holds each key HAProxy may admit as id.hash → tenant|scoped', () => {
    expect(keyEntry(keys.acme)).toBe('acme');
    expect(keyEntry(keys.hooli)).toBe('hooli');
    expect(keyEntry(keys.wayne)).toBe('wayne');
    expect(keyEntry(keys.later)).toBe('hooli');
  });

  it('leaves out revoked and expired keys', () => {
    expect(keyEntry(keys.revoked)).toBeUndefined();
    expect(keyEntry(keys.expired)).toBeUndefined();
  });

  it('leaves out keys counted against a quota: their own, their tenant’s keyQuota, their tenant’s quota', () => {
    expect(keyEntry(keys.limitedSoon)).toBeUndefined();
    expect(keyEntry(keys.initech)).toBeUndefined();
    expect(keyEntry(keys.umbrella)).toBeUndefined();
    expect(state.maps.keys.size).toBe(5);
  });

  it('marks a scoped key and lists the services it may call', () => {
    expect(keyEntry(keys.scoped)).toBe('acme');
    const id = keys.scoped.record.id;
    expect(Object.fromEntries(state.maps.scopes)).toEqual({ [id]: 'scoped', [`echo/${id}`]: '1', [`spam/${id}`]: '1' });
  });

  it('asks to be computed again when the earliest admitted key expires', () => {
    expect(state.nextChangeAt).toBe(NOW + HOUR);
    expect(desiredHaproxyState(snapshot, NOW + HOUR, deadlinesOf).maps.keys.has(`${keys.later.record.hash}.${keys.later.record.id}`)).toBe(false);
    expect(desiredHaproxyState({ ...snapshot, keys: [keys.acme.record] }, NOW, deadlinesOf).nextChangeAt).toBeUndefined();
  });
});

describe('desiredHaproxyState: tenants', () => {
  it('gives each tenant the x-mlaas-config value the TypeScript gateway sends for it', async () => {
    for (const k of [keys.acme, keys.hooli, keys.wayne]) {
      const value = state.maps.tenants.get(k.record.tenantId);
      expect(value).toBeDefined();
      expect(value).toBe(await gatewayConfigHeader(k.secret));
    }
    expect(decodeConfigHeader(state.maps.tenants.get('acme'))).toEqual({ threshold: 0.7, language: 'en', route: 'canary' });
  });
});

describe('desiredHaproxyState: traffic', () => {
  const routing = (service: string) => compileRouting(snapshot.traffic.get(service) as ResolvedTraffic);
  const buckets = (service: string) => [...state.maps.split].filter(([k]) => k.startsWith(`${service}/`));
  const countOf = (service: string, revision: string) => buckets(service).filter(([, v]) => v === revision).length;

  it('splits each service over 100 buckets exactly by its percents', () => {
    expect(buckets('spam')).toHaveLength(100);
    expect(countOf('spam', 'spam-1')).toBe(30);
    expect(countOf('spam', 'spam-2')).toBe(70);
    expect(countOf('spam', 'spam-3')).toBe(0);
    // The bucket b stands for the router's random point in [b, b + 1).
    for (let b = 0; b < 100; b++) expect(state.maps.split.get(`spam/${b}`)).toBe(pickRevision(routing('spam'), undefined, () => (b + 0.5) / 100));
  });

  it('pins each tenant of a sticky service where the router’s hash puts it', () => {
    const r = routing('sticky');
    for (const t of tenants) expect(state.maps.pins.get(`sticky/${t.id}`)).toBe(pickRevision(r, t.id, () => 0.999));
    expect(new Set(tenants.map((t) => state.maps.pins.get(`sticky/${t.id}`))).size).toBe(2);
  });

  it('pins a tenant with a tenant rule to its tag’s revision, and no one else on a random split', () => {
    expect([...state.maps.pins].filter(([k]) => k.startsWith('spam/'))).toEqual([['spam/wayne', 'spam-3']]);
  });

  it('pins tenants by the routing flag where its value names a tag, as the gateway picks', () => {
    const r = routing('flagged');
    expect(state.maps.pins.get('flagged/acme')).toBe('flagged-2');
    expect(state.maps.pins.get('flagged/hooli')).toBe('flagged-1');
    expect(state.maps.pins.has('flagged/wayne')).toBe(false);
    for (const t of ['acme', 'hooli']) expect(state.maps.pins.get(`flagged/${t}`)).toBe(tenancy.pickRevision(r, t, Math.random));
  });

  it('leaves a mirrored service wholly to the TypeScript gateway: no split, no pins', () => {
    expect(buckets('mirrored')).toEqual([]);
    expect([...state.maps.pins.keys()].filter((k) => k.startsWith('mirrored/'))).toEqual([]);
  });
});

describe('desiredHaproxyState: revisions', () => {
  it('lists only revisions with ready instances, with their concurrency', () => {
    expect(state.revisions.has('spam-2')).toBe(false);
    expect(state.revisions.has('sticky-2')).toBe(false);
    expect(state.revisions.get('spam-1')).toEqual({ service: 'spam', instances: [instance('spam-1-a')], concurrency: 0 });
    expect(state.revisions.get('spam-3')).toEqual({ service: 'spam', instances: [instance('spam-3-a')], concurrency: 2 });
    expect([...state.revisions.keys()].sort()).toEqual(revisions.filter((r) => r !== 'spam-2' && r !== 'sticky-2').sort());
  });

  it('gives every revision with instances the lesser of its timeout and each deadline of the routes to its service, in ms', () => {
    // Revision i's timeout is (i + 1) s: spam-1 1 s, spam-3 3 s; the others' 15 s deadline exceeds theirs.
    expect(Object.fromEntries(state.maps.timeouts)).toEqual({
      '1500/spam-1': '1000',
      '30000/spam-1': '1000',
      '1500/spam-3': '1500',
      '30000/spam-3': '3000',
      '15000/sticky-1': '4000',
      '15000/flagged-1': '6000',
      '15000/flagged-2': '7000',
      '15000/mirrored-1': '8000',
      '15000/mirrored-2': '9000',
    });
  });
});
