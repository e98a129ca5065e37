// The gateway's batched key uses reach the store as each key's last-used time, unaudited (usage, not desired state).
import { describe, expect, it } from 'vitest';
import { FakeStateStore } from './fake-state-store.js';
import { writeKeyUsage } from './write-key-usage.js';

describe('writeKeyUsage', () => {
  it('sets each used key’s last-used time and writes no audit entry', () => {
    const store = new FakeStateStore();
    store.upsertTenant('acme', { displayName: 'Acme', config: {} });
    const a = store.createKey('acme').key;
    const b = store.createKey('acme').key;
    const c = store.createKey('acme').key;
    const audited = store.listAudit().length;
    writeKeyUsage(store, new Map([[a.id, Date.UTC(2026, 0, 2, 3, 4, 5)], [b.id, Date.UTC(2026, 0, 2, 3, 4, 6)]]));
    expect(store.getKey(a.id)?.lastUsedAt).toBe('2026-01-02T03:04:05.000Z');
    expect(store.getKey(b.id)?.lastUsedAt).toBe('2026-01-02T03:04:06.000Z');
    expect(store.getKey(c.id)?.lastUsedAt).toBeUndefined();
    expect(store.listAudit()).toHaveLength(audited);
  });
});
