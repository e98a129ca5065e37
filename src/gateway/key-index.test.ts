import { describe, expect, it } from 'vitest';
import { generateApiKey, hashSecret } from '../api/api-key.js';
import type { KeyRecord } from '../api/key.js';
import { buildKeyIndex, verifyKey } from './key-index.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');

function keyOf(extra: Partial<KeyRecord> = {}): { key: string; record: KeyRecord } {
  const g = generateApiKey();
  return { key: g.key, record: { id: g.id, tenantId: 'acme', hash: hashSecret(g.secret), createdAt: '2026-01-01T00:00:00Z', ...extra } };
}

describe('verifyKey', () => {
  it('accepts a valid key on every request, the first and the ones after', () => {
    const { key, record } = keyOf();
    const index = buildKeyIndex([record]);
    expect(verifyKey(index, key, NOW)?.id).toBe(record.id);
    expect(verifyKey(index, key, NOW)?.id).toBe(record.id);
    expect(verifyKey(index, key, NOW)?.tenantId).toBe('acme');
  });

  it('refuses the right id with a wrong secret, also after the right secret was accepted', () => {
    const { key, record } = keyOf();
    const index = buildKeyIndex([record]);
    expect(verifyKey(index, key, NOW)).toBeDefined();
    const forged = `${key.slice(0, -2)}${key.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(verifyKey(index, forged, NOW)).toBeUndefined();
    expect(index.proven.size).toBe(1);
  });

  it('refuses a key once it expires, though it was accepted before', () => {
    const { key, record } = keyOf({ expiresAt: new Date(NOW + 1000).toISOString() });
    const index = buildKeyIndex([record]);
    expect(verifyKey(index, key, NOW)).toBeDefined();
    expect(verifyKey(index, key, NOW + 1000)).toBeUndefined();
  });

  it('refuses a key revoked after it was accepted: the next index does not know it', () => {
    const { key, record } = keyOf();
    expect(verifyKey(buildKeyIndex([record]), key, NOW)).toBeDefined();
    expect(verifyKey(buildKeyIndex([{ ...record, revokedAt: '2026-12-01T11:00:00Z' }]), key, NOW)).toBeUndefined();
  });

  it('refuses malformed and unknown keys without remembering them', () => {
    const { record } = keyOf();
    const index = buildKeyIndex([record]);
    for (const s of ['', 'nonsense', 'mlk_', generateApiKey().key]) expect(verifyKey(index, s, NOW)).toBeUndefined();
    expect(index.proven.size).toBe(0);
  });
});
