// The StateStore contract, run against the SQLite store, the PostgreSQL store (on a throw-away
// server, a fresh database per test) and the fake, so that none can drift from the others.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MlaasError } from '../errors.js';
import { hashSecret, parseApiKey, verifySecret } from '../api/api-key.js';
import { startPostgres, type PostgresServer } from '../../test/postgres-server.js';
import { FakeStateStore } from './fake-state-store.js';
import { PostgresStateStore } from './postgres-state-store.js';
import { SqliteStateStore } from './sqlite-state-store.js';
import type { StateStore } from './state-store.js';

/** A clock that moves one second each time it is read, so every write gets its own time. */
function tickingClock(start = '2025-03-01T12:00:00.000Z'): () => Date {
  let t = Date.parse(start);
  return () => new Date((t += 1000));
}

/** Random bytes that repeat, so two keys get the same id. */
const repeatingRandom = (size: number): Buffer => Buffer.alloc(size, 7);

type MakeStore = (opts: { now: () => Date; random?: (size: number) => Buffer }) => StateStore;

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

let postgres: PostgresServer;
beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(async () => {
  await postgres?.close();
});

/** Each test's PostgreSQL database, made before it runs (the stores open synchronously, a database is made asynchronously). */
let database = '';

/** How to make a store, and what a test needs made first. */
const implementations: Array<[string, { make: MakeStore; before?: () => Promise<void> }]> = [
  ['FakeStateStore', { make: (opts) => new FakeStateStore(opts) }],
  [
    'SqliteStateStore',
    {
      make: (opts) => {
        const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-'));
        dirs.push(stateDir);
        return new SqliteStateStore({ stateDir, ...opts });
      },
    },
  ],
  [
    'PostgresStateStore',
    {
      make: (opts) => new PostgresStateStore({ url: database, ...opts }),
      before: async () => {
        database = await postgres.createDatabase();
      },
    },
  ],
];

describe.each(implementations)('%s honours the StateStore contract', (_name, { make, before }) => {
  if (before !== undefined) beforeEach(before);
  function open(random?: (size: number) => Buffer): StateStore {
    const store = make({ now: tickingClock(), random });
    stores.push(store);
    return store;
  }
  const stores: StateStore[] = [];
  afterEach(() => {
    for (const s of stores.splice(0)) s.close();
  });

  describe('services', () => {
    it('creates, then updates in place keeping createdAt', () => {
      const store = open();
      const first = store.upsertService('spam', { command: ['node', 'a.js'] });
      expect(first.createdAt).toBe(first.updatedAt);
      const second = store.upsertService('spam', { command: ['node', 'b.js'] });
      expect(second.createdAt).toBe(first.createdAt);
      expect(second.updatedAt > first.updatedAt).toBe(true);
      expect(store.getService('spam')).toEqual(second);
      expect(store.getService('spam')?.spec).toEqual({ command: ['node', 'b.js'] });
    });

    it('lists by name and deletes', () => {
      const store = open();
      store.upsertService('zeta', {});
      store.upsertService('alpha', {});
      expect(store.listServices().map((s) => s.name)).toEqual(['alpha', 'zeta']);
      expect(store.deleteService('zeta')).toBe(true);
      expect(store.deleteService('zeta')).toBe(false);
      expect(store.getService('zeta')).toBeUndefined();
      expect(store.listServices().map((s) => s.name)).toEqual(['alpha']);
    });

    it('hands out copies: changing a returned record does not change the store', () => {
      const store = open();
      const record = store.upsertService('spam', { env: { A: '1' } });
      (record.spec.env as Record<string, string>).A = 'changed';
      const got = store.getService('spam');
      (got?.spec.env as Record<string, string>).A = 'changed too';
      expect(store.getService('spam')?.spec).toEqual({ env: { A: '1' } });
    });
  });

  describe('tenants', () => {
    it('creates, updates and lists by id', () => {
      const store = open();
      const created = store.upsertTenant('globex', { displayName: 'Globex', config: { threshold: 0.5 } });
      store.upsertTenant('acme', { displayName: 'Acme', config: {} });
      const updated = store.upsertTenant('globex', { displayName: 'Globex Corp', config: { threshold: 0.9 } });
      expect(updated.createdAt).toBe(created.createdAt);
      expect(store.getTenant('globex')).toMatchObject({ displayName: 'Globex Corp', config: { threshold: 0.9 } });
      expect(store.listTenants().map((t) => t.id)).toEqual(['acme', 'globex']);
    });

    it('deleting a tenant deletes its keys and only its keys', () => {
      const store = open();
      store.upsertTenant('acme', { displayName: 'Acme', config: {} });
      store.upsertTenant('globex', { displayName: 'Globex', config: {} });
      store.createKey('acme');
      store.createKey('acme');
      const kept = store.createKey('globex');
      expect(store.deleteTenant('acme')).toBe(true);
      expect(store.listKeys().map((k) => k.id)).toEqual([kept.key.id]);
      expect(store.listAudit({ limit: 1 })[0]).toMatchObject({ action: 'tenant.delete', detail: { keysDeleted: 2 } });
      expect(store.deleteTenant('acme')).toBe(false);
    });

    it('keeps attributes and quotas, and defaults attributes to {}', () => {
      const store = open();
      store.upsertTenant('acme', {
        displayName: 'Acme',
        config: {},
        attributes: { plan: 'pro' },
        quota: { requestsPerMinute: 6000, burst: 200 },
        keyQuota: { requestsPerMinute: 600 },
      });
      store.upsertTenant('globex', { displayName: 'Globex', config: {} });
      expect(store.getTenant('acme')).toMatchObject({
        attributes: { plan: 'pro' },
        quota: { requestsPerMinute: 6000, burst: 200 },
        keyQuota: { requestsPerMinute: 600 },
      });
      const plain = store.getTenant('globex');
      expect(plain?.attributes).toEqual({});
      expect(plain).not.toHaveProperty('quota');
      // An upsert without a quota removes the old one.
      store.upsertTenant('acme', { displayName: 'Acme', config: {} });
      expect(store.getTenant('acme')).not.toHaveProperty('quota');
    });
  });

  describe('keys', () => {
    it('shows the secret once and stores only its hash', () => {
      const store = open();
      store.upsertTenant('acme', { displayName: 'Acme', config: {} });
      const { key, secretKey } = store.createKey('acme', { description: 'ci', expiresAt: '2030-01-01T00:00:00.000Z' });
      const parsed = parseApiKey(secretKey);
      expect(parsed?.id).toBe(key.id);
      expect(key).toMatchObject({ tenantId: 'acme', description: 'ci', expiresAt: '2030-01-01T00:00:00.000Z' });
      expect(key.hash).toBe(hashSecret(parsed?.secret ?? ''));
      expect(verifySecret(parsed?.secret ?? '', store.getKey(key.id)?.hash ?? '')).toBe(true);
      expect(JSON.stringify(store.listKeys())).not.toContain(parsed?.secret);
      expect(JSON.stringify(store.listAudit())).not.toContain(parsed?.secret);
    });

    it('refuses a key for an unknown tenant with ADMIN_NOT_FOUND and writes nothing', () => {
      const store = open();
      const err = (() => {
        try {
          store.createKey('nobody');
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(MlaasError);
      expect((err as MlaasError).code).toBe('ADMIN_NOT_FOUND');
      expect(store.listKeys()).toEqual([]);
      expect(store.listAudit()).toEqual([]);
    });

    it('lists all keys or one tenant’s, oldest first', () => {
      const store = open();
      store.upsertTenant('acme', { displayName: 'Acme', config: {} });
      store.upsertTenant('globex', { displayName: 'Globex', config: {} });
      const a1 = store.createKey('acme').key;
      const g1 = store.createKey('globex').key;
      const a2 = store.createKey('acme').key;
      expect(store.listKeys().map((k) => k.id)).toEqual([a1.id, g1.id, a2.id]);
      expect(store.listKeys('acme').map((k) => k.id)).toEqual([a1.id, a2.id]);
      expect(store.listKeys('nobody')).toEqual([]);
    });

    it('revokes once: a second revoke keeps the first time and writes no audit row', () => {
      const store = open();
      store.upsertTenant('acme', { displayName: 'Acme', config: {} });
      const { key } = store.createKey('acme');
      const revoked = store.revokeKey(key.id);
      expect(revoked?.revokedAt).toBeDefined();
      const auditCount = store.listAudit().length;
      expect(store.revokeKey(key.id)?.revokedAt).toBe(revoked?.revokedAt);
      expect(store.listAudit()).toHaveLength(auditCount);
      expect(store.revokeKey('nosuchkey000')).toBeUndefined();
    });

    it('records use without auditing it', () => {
      const store = open();
      store.upsertTenant('acme', { displayName: 'Acme', config: {} });
      const { key } = store.createKey('acme');
      const auditCount = store.listAudit().length;
      store.touchKey(key.id, new Date('2025-06-01T00:00:00.000Z'));
      expect(store.getKey(key.id)?.lastUsedAt).toBe('2025-06-01T00:00:00.000Z');
      expect(store.listAudit()).toHaveLength(auditCount);
    });

    it('keeps scopes and a quota per key', () => {
      const store = open();
      store.upsertTenant('acme', { displayName: 'Acme', config: {} });
      const { key } = store.createKey('acme', { scopes: ['spam-filter'], quota: { requestsPerMinute: 600, burst: 20 } });
      expect(store.getKey(key.id)).toMatchObject({ scopes: ['spam-filter'], quota: { requestsPerMinute: 600, burst: 20 } });
      expect(store.createKey('acme').key).not.toHaveProperty('scopes');
    });

    it('keeps whether a key may choose tags, through rotation; absent means it may not', () => {
      const store = open();
      store.upsertTenant('acme', { displayName: 'Acme', config: {} });
      const tester = store.createKey('acme', { allowTags: true }).key;
      expect(store.getKey(tester.id)?.allowTags).toBe(true);
      expect(store.rotateKey(tester.id, { oldExpiresAt: '2030-01-02T00:00:00.000Z' }).key.allowTags).toBe(true);
      expect(store.createKey('acme', { allowTags: false }).key).not.toHaveProperty('allowTags');
      expect(store.createKey('acme').key).not.toHaveProperty('allowTags');
    });

    it('rotates: a new key with the same tenant, scopes and quota; the old one expires after the overlap', () => {
      const store = open();
      store.upsertTenant('acme', { displayName: 'Acme', config: {} });
      const old = store.createKey('acme', { description: 'ci', scopes: ['spam'], quota: { requestsPerMinute: 60 } }).key;
      const { key, secretKey } = store.rotateKey(old.id, { oldExpiresAt: '2030-01-02T00:00:00.000Z' }, { actor: 'cli' });
      expect(parseApiKey(secretKey)?.id).toBe(key.id);
      expect(key).toMatchObject({ tenantId: 'acme', description: 'ci', scopes: ['spam'], quota: { requestsPerMinute: 60 }, rotatedFrom: old.id });
      expect(key).not.toHaveProperty('expiresAt');
      expect(store.getKey(old.id)?.expiresAt).toBe('2030-01-02T00:00:00.000Z');
      expect(store.listAudit({ limit: 1 })[0]).toMatchObject({ actor: 'cli', action: 'key.rotate', target: `key/${old.id}`, detail: { newKey: key.id } });
      // An expiry sooner than the overlap stays.
      const soon = store.createKey('acme', { expiresAt: '2030-01-01T00:00:00.000Z' }).key;
      store.rotateKey(soon.id, { oldExpiresAt: '2031-01-01T00:00:00.000Z' });
      expect(store.getKey(soon.id)?.expiresAt).toBe('2030-01-01T00:00:00.000Z');
    });

    it('refuses to rotate an unknown or revoked key and writes nothing', () => {
      const store = open();
      store.upsertTenant('acme', { displayName: 'Acme', config: {} });
      const { key } = store.createKey('acme');
      store.revokeKey(key.id);
      const before = { keys: store.listKeys(), audit: store.listAudit() };
      expect(() => store.rotateKey(key.id, { oldExpiresAt: '2030-01-01T00:00:00.000Z' })).toThrow(expect.objectContaining({ code: 'ADMIN_CONFLICT' }));
      expect(() => store.rotateKey('nosuchkey000', { oldExpiresAt: '2030-01-01T00:00:00.000Z' })).toThrow(
        expect.objectContaining({ code: 'ADMIN_NOT_FOUND' }),
      );
      expect({ keys: store.listKeys(), audit: store.listAudit() }).toEqual(before);
    });

    it('a key-id collision fails the create with ADMIN_CONFLICT and leaves no key row or audit row behind', () => {
      const store = open(repeatingRandom);
      store.upsertTenant('acme', { displayName: 'Acme', config: {} });
      store.createKey('acme');
      const auditCount = store.listAudit().length;
      expect(() => store.createKey('acme')).toThrow(expect.objectContaining({ code: 'ADMIN_CONFLICT' }));
      expect(store.listKeys()).toHaveLength(1);
      expect(store.listAudit()).toHaveLength(auditCount);
    });
  });

  describe('audit log', () => {
    it('writes one row per mutation, newest first, with actor, action and target', () => {
      const store = open();
      store.upsertService('spam', {}, { actor: 'apply' });
      store.upsertTenant('acme', { displayName: 'Acme', config: {} });
      const { key } = store.createKey('acme', {}, { actor: 'admin' });
      store.revokeKey(key.id, { actor: 'admin' });
      store.deleteService('spam', { actor: 'apply' });
      store.deleteTenant('acme', { actor: 'cli' });
      const rows = store.listAudit().map(({ actor, action, target }) => ({ actor, action, target }));
      expect(rows).toEqual([
        { actor: 'cli', action: 'tenant.delete', target: 'tenant/acme' },
        { actor: 'apply', action: 'service.delete', target: 'service/spam' },
        { actor: 'admin', action: 'key.revoke', target: `key/${key.id}` },
        { actor: 'admin', action: 'key.create', target: `key/${key.id}` },
        { actor: 'system', action: 'tenant.upsert', target: 'tenant/acme' },
        { actor: 'apply', action: 'service.upsert', target: 'service/spam' },
      ]);
      expect(store.listAudit()[5]?.detail).toEqual({ created: true, changes: [] });
    });

    it('records what a change changed, field by field, with the old and new values', () => {
      const store = open();
      store.upsertService('spam', { scaling: { maxInstances: 3 }, env: { A: '1' } } as never);
      store.upsertService('spam', { scaling: { maxInstances: 5 }, env: {} } as never);
      expect(store.listAudit({ limit: 1 })[0]?.detail).toEqual({
        created: false,
        changes: [
          { path: 'env.A', old: '1' },
          { path: 'scaling.maxInstances', old: 3, new: 5 },
        ],
      });
      store.upsertTenant('acme', { displayName: 'Acme', config: { threshold: 0.5 } });
      store.upsertTenant('acme', { displayName: 'Acme', config: { threshold: 0.7 }, quota: { requestsPerMinute: 60 } });
      expect(store.listAudit({ limit: 1 })[0]?.detail['changes']).toEqual([
        { path: 'config.threshold', old: 0.5, new: 0.7 },
        { path: 'quota.requestsPerMinute', new: 60 },
      ]);
      store.setFlags({ flags: { f: { state: 'ENABLED' } } });
      store.setFlags({ flags: { f: { state: 'DISABLED' } } });
      expect(store.listAudit({ limit: 1 })[0]?.detail['changes']).toEqual([{ path: 'flags.f.state', old: 'ENABLED', new: 'DISABLED' }]);
    });

    it('limits, and takes entries appended from outside', () => {
      const store = open();
      for (let i = 0; i < 5; i++) store.appendAudit({ actor: 'runtime', action: 'instance.restart', target: `instance/${i}`, detail: { i } });
      const last2 = store.listAudit({ limit: 2 });
      expect(last2.map((e) => e.target)).toEqual(['instance/4', 'instance/3']);
      expect(last2[0]?.detail).toEqual({ i: 4 });
      expect(last2[0]!.id).toBeGreaterThan(last2[1]!.id);
      expect(last2[0]!.at > last2[1]!.at).toBe(true);
    });
  });

  describe('atomically', () => {
    it('undoes every change and audit row of a block that throws midway, and rethrows', () => {
      const store = open();
      store.upsertTenant('acme', { displayName: 'Acme', config: { v: 1 } });
      const before = { tenants: store.listTenants(), keys: store.listKeys(), audit: store.listAudit() };
      expect(() =>
        store.atomically(() => {
          store.upsertTenant('acme', { displayName: 'Acme 2', config: { v: 2 } });
          store.upsertTenant('globex', { displayName: 'Globex', config: {} });
          store.createKey('globex');
          store.upsertService('spam', {});
          store.createKey('nobody');
        }),
      ).toThrow(/nobody/);
      expect(store.listTenants()).toEqual(before.tenants);
      expect(store.listKeys()).toEqual(before.keys);
      expect(store.listServices()).toEqual([]);
      expect(store.listAudit()).toEqual(before.audit);
    });

    it('commits a block that returns, and answers its value', () => {
      const store = open();
      const n = store.atomically(() => {
        store.upsertTenant('acme', { displayName: 'Acme', config: {} });
        store.upsertService('spam', {});
        return 2;
      });
      expect(n).toBe(2);
      expect(store.listTenants()).toHaveLength(1);
      expect(store.listServices()).toHaveLength(1);
    });

    it('nests: a failed inner block is undone while the outer one commits', () => {
      const store = open();
      store.atomically(() => {
        store.upsertService('kept', {});
        try {
          store.atomically(() => {
            store.upsertService('dropped', {});
            throw new Error('inner');
          });
        } catch {
          // the outer block goes on
        }
      });
      expect(store.listServices().map((s) => s.name)).toEqual(['kept']);
      expect(store.listAudit().map((e) => e.target)).toEqual(['service/kept']);
    });
  });
  describe('revisions and traffic', () => {
    it('numbers revisions per service and keeps each spec as created', () => {
      const store = open();
      const a1 = store.createRevision('spam', { artifact: 'sha256:aa' });
      const a2 = store.createRevision('spam', { artifact: 'sha256:bb' });
      const b1 = store.createRevision('sentiment', {});
      expect([a1.name, a2.name, b1.name]).toEqual(['spam-00001', 'spam-00002', 'sentiment-00001']);
      expect(a1.state).toBe('pending');
      expect(store.listRevisions('spam').map((r) => r.spec)).toEqual([{ artifact: 'sha256:aa' }, { artifact: 'sha256:bb' }]);
    });

    it('changes a revision state with its reason, audited', () => {
      const store = open();
      const rev = store.createRevision('spam', {});
      store.setRevisionState(rev.name, 'failed', 'exited with code 1 before becoming ready', { actor: 'runtime' });
      expect(store.getRevision(rev.name)).toMatchObject({ state: 'failed', reason: 'exited with code 1 before becoming ready' });
      store.setRevisionState(rev.name, 'ready');
      expect(store.getRevision(rev.name)?.reason).toBeUndefined();
      expect(store.listAudit({ limit: 2 }).map((e) => e.action)).toEqual(['revision.state', 'revision.state']);
      expect(store.setRevisionState('nope-00001', 'ready')).toBeUndefined();
    });

    it('stores a traffic policy per service and the revisions that served it all', () => {
      const store = open();
      const rev = store.createRevision('spam', {});
      expect(store.getTraffic('spam')).toBeUndefined();
      const policy = { targets: [{ revision: rev.name, percent: 100 }, { latestRevision: true, percent: 0, tag: 'next' }], sticky: true };
      store.setTraffic('spam', policy);
      expect(store.getTraffic('spam')).toEqual(policy);
      store.markFullTraffic(rev.name);
      expect(store.getRevision(rev.name)?.fullTrafficAt).toMatch(/^\d{4}-/);
    });

    it('keeps routing rules and a mirror in a traffic policy', () => {
      const store = open();
      const policy = {
        targets: [{ latestRevision: true, percent: 100 }, { revision: 'spam-00002', percent: 0, tag: 'canary' }],
        sticky: false,
        tenantTags: { acme: 'canary' },
        flagTag: 'new-model',
        mirror: { tag: 'canary', percent: 10 },
      };
      store.setTraffic('spam', policy);
      expect(store.getTraffic('spam')).toEqual(policy);
    });

    it('deletes a revision, audited, keeping the others and the numbering after the highest left', () => {
      const store = open();
      const [r1, r2, r3] = [store.createRevision('spam', {}), store.createRevision('spam', {}), store.createRevision('spam', {})];
      expect(store.deleteRevision(r2.name, { actor: 'gc' })).toBe(true);
      expect(store.deleteRevision(r2.name)).toBe(false);
      expect(store.getRevision(r2.name)).toBeUndefined();
      expect(store.listRevisions('spam').map((r) => r.name)).toEqual([r1.name, r3.name]);
      expect(store.listAudit({ limit: 1 })[0]).toMatchObject({ actor: 'gc', action: 'revision.delete', target: `revision/${r2.name}`, detail: { service: 'spam' } });
      expect(store.createRevision('spam', {}).name).toBe('spam-00004');
    });

    it('records when a revision lost its traffic', () => {
      const store = open();
      const rev = store.createRevision('spam', {});
      expect(store.getRevision(rev.name)?.lastActiveAt).toBeUndefined();
      store.markInactive(rev.name);
      expect(Date.parse(store.getRevision(rev.name)?.lastActiveAt ?? '')).toBeGreaterThan(Date.parse(rev.createdAt));
    });

    it('deleting a service deletes its revisions and traffic, and only its own', () => {
      const store = open();
      store.upsertService('spam', {});
      store.upsertService('other', {});
      const rev = store.createRevision('spam', {});
      const kept = store.createRevision('other', {});
      store.setTraffic('spam', { targets: [{ revision: rev.name, percent: 100 }], sticky: false });
      store.setTraffic('other', { targets: [{ revision: kept.name, percent: 100 }], sticky: false });
      expect(store.deleteService('spam', { actor: 'cli' })).toBe(true);
      expect(store.listRevisions().map((r) => r.name)).toEqual([kept.name]);
      expect(store.getTraffic('spam')).toBeUndefined();
      expect(store.getTraffic('other')).toBeDefined();
      expect(store.listAudit({ limit: 1 })[0]).toMatchObject({ actor: 'cli', action: 'service.delete', detail: { revisions: 1 } });
      expect(store.createRevision('spam', {}).name).toBe('spam-00001');
    });

    it('undoes a revision created in a block that throws', () => {
      const store = open();
      expect(() =>
        store.atomically(() => {
          store.createRevision('spam', {});
          throw new Error('build failed');
        }),
      ).toThrow('build failed');
      expect(store.listRevisions()).toEqual([]);
      expect(store.createRevision('spam', {}).name).toBe('spam-00001');
    });
  });

  describe('last-applied declarations', () => {
    it('keeps what was applied of each resource, replaces it, forgets it, and rolls back with the change it went with', () => {
      const store = open();
      expect(store.getApplied('tenant/acme')).toBeUndefined();
      store.setApplied('tenant/acme', { displayName: 'Acme', config: { language: 'en' } });
      store.setApplied('service/echo', { command: ['node', 'a.js'] });
      store.setApplied('tenant/acme', { displayName: 'Acme', config: { language: 'de' } });
      expect(store.getApplied('tenant/acme')).toEqual({ displayName: 'Acme', config: { language: 'de' } });
      expect(store.getApplied('service/echo')).toEqual({ command: ['node', 'a.js'] });
      expect(() =>
        store.atomically(() => {
          store.setApplied('service/echo', undefined);
          throw new Error('the change failed');
        }),
      ).toThrow('the change failed');
      expect(store.getApplied('service/echo')).toEqual({ command: ['node', 'a.js'] });
      store.setApplied('service/echo', undefined);
      expect(store.getApplied('service/echo')).toBeUndefined();
      const copy = store.getApplied('tenant/acme') as { config: { language: string } };
      copy.config.language = 'fr';
      expect(store.getApplied('tenant/acme')).toEqual({ displayName: 'Acme', config: { language: 'de' } });
    });
  });

  describe('flags', () => {
    it('has none until set, then the document as set, audited', () => {
      const store = open();
      expect(store.getFlags()).toBeUndefined();
      const doc = { flags: { 'new-ui': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' } } };
      store.setFlags(doc, { actor: 'admin' });
      expect(store.getFlags()).toEqual(doc);
      expect(store.listAudit({ limit: 1 })[0]).toMatchObject({ actor: 'admin', action: 'flags.set', target: 'flags', detail: { flags: 1 } });
      store.setFlags({ flags: {} });
      expect(store.getFlags()).toEqual({ flags: {} });
    });
  });

  describe('ready instances and the activator, published for gateways in other processes', () => {
    it('answers what was published per revision, sorted, and withdraws a revision given no instances, without an audit row', () => {
      const store = open();
      store.setReadyInstances('spam-00002', [{ id: 'spam-00002-b', host: '127.0.0.1', port: 4002 }]);
      store.setReadyInstances('echo-00001', [
        { id: 'echo-00001-a', host: '127.0.0.1', port: 4000 },
        { id: 'echo-00001-b', host: '127.0.0.1', port: 4001 },
      ]);
      expect(store.listReadyInstances().map((r) => [r.revision, r.instances.map((i) => i.port)])).toEqual([
        ['echo-00001', [4000, 4001]],
        ['spam-00002', [4002]],
      ]);
      store.setReadyInstances('echo-00001', []);
      expect(store.listReadyInstances().map((r) => r.revision)).toEqual(['spam-00002']);
      expect(store.listAudit()).toEqual([]);
    });

    it('keeps only the endpoint of each instance and hands out copies', () => {
      const store = open();
      const status = { id: 'a', host: '127.0.0.1', port: 4000, pid: 99 };
      store.setReadyInstances('echo-00001', [status]);
      const [listed] = store.listReadyInstances();
      expect(listed?.instances).toEqual([{ id: 'a', host: '127.0.0.1', port: 4000 }]);
      (listed?.instances as Array<{ port: number }>)[0]!.port = 1;
      expect(store.listReadyInstances()[0]?.instances[0]?.port).toBe(4000);
    });

    it('has no activator until one is set, then the one set last, until withdrawn', () => {
      const store = open();
      expect(store.getActivator()).toBeUndefined();
      store.setActivator({ url: 'http://127.0.0.1:9001', token: 'a', issuer: 'http://127.0.0.1:8081' });
      store.setActivator({ url: 'http://127.0.0.1:9002', token: 'b', issuer: 'http://127.0.0.1:8082' });
      expect(store.getActivator()).toEqual({ url: 'http://127.0.0.1:9002', token: 'b', issuer: 'http://127.0.0.1:8082' });
      store.setActivator(undefined);
      expect(store.getActivator()).toBeUndefined();
    });
  });

  describe('onChange', () => {
    /** Resolves at the listener's next call. */
    function nextChange(store: StateStore): Promise<void> {
      return new Promise((resolve) => {
        const stop = store.onChange(() => {
          stop();
          resolve();
        });
      });
    }

    it('tells a listener of this store’s own commit, audited or not', async () => {
      const store = open();
      let changed = nextChange(store);
      store.revokeKey('nothing');
      store.upsertTenant('acme', { displayName: 'Acme', config: {} });
      await changed;
      changed = nextChange(store);
      store.setReadyInstances('echo-00001', [{ id: 'a', host: '127.0.0.1', port: 4000 }]);
      await changed;
    });

    it('calls each listener once for a burst of commits, and no more after it unsubscribes', async () => {
      const store = open();
      let calls = 0;
      const stop = store.onChange(() => calls++);
      const changed = nextChange(store);
      store.upsertTenant('acme', { displayName: 'Acme', config: {} });
      store.createKey('acme');
      store.setFlags({ flags: {} });
      await changed;
      expect(calls).toBe(1);
      stop();
      const again = nextChange(store);
      store.setFlags({ flags: { a: { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' } } });
      await again;
      expect(calls).toBe(1);
    });
  });
});
