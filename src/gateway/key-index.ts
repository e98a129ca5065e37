/**
 * The gateway's in-memory view of API keys: a map from key id to what the hot
 * path needs to accept or refuse it — tenant, expiry, scopes, rate limit.
 * Rebuilt from the store whenever keys or tenants change, so a request never
 * touches SQLite. A key string that proved its key once is remembered by the
 * index it proved itself against, so that the next request with it costs a
 * map lookup instead of a parse and a SHA-256; a revoked key leaves with the
 * index that knew it, and expiry is checked on every request.
 */
import type { KeyRecord } from '../api/key.js';
import type { QuotaSpec, TenantRecord } from '../api/tenant.js';
import { parseApiKey, verifySecret } from '../api/api-key.js';

export interface IndexedKey {
  id: string;
  tenantId: string;
  hash: string;
  /** Epoch ms after which the key no longer works; Infinity when it never expires. */
  expiresAtMs: number;
  /** Services the key may call; undefined when it may call every service. */
  scopes: ReadonlySet<string> | undefined;
  /** The key's own limit, else its tenant's `keyQuota`; undefined when unlimited. */
  quota: QuotaSpec | undefined;
  /** Its `x-mlaas-tag` picks a revision even where tenant rules apply. */
  allowTags: boolean;
}

export interface KeyIndex {
  readonly byId: ReadonlyMap<string, IndexedKey>;
  /**
   * Presented key string → the key it proved. Only strings whose secret
   * verified enter it, and one key has one such string (the id and secret
   * patterns are strict), so it is bounded by the number of keys.
   */
  readonly proven: Map<string, IndexedKey>;
}

/** Indexes the keys that can still work: revoked ones are left out. */
export function buildKeyIndex(keys: readonly KeyRecord[], tenants: readonly TenantRecord[] = []): KeyIndex {
  const keyQuotas = new Map(tenants.map((t) => [t.id, t.keyQuota]));
  const index = new Map<string, IndexedKey>();
  for (const k of keys) {
    if (k.revokedAt !== undefined) continue;
    index.set(k.id, {
      id: k.id,
      tenantId: k.tenantId,
      hash: k.hash,
      expiresAtMs: k.expiresAt === undefined ? Infinity : Date.parse(k.expiresAt),
      scopes: k.scopes === undefined ? undefined : new Set(k.scopes),
      quota: k.quota ?? keyQuotas.get(k.tenantId),
      allowTags: k.allowTags === true,
    });
  }
  return { byId: index, proven: new Map() };
}

/**
 * The key record a presented key string proves, or undefined when the string
 * is malformed, unknown, revoked, expired or has the wrong secret. The caller
 * learns none of these reasons: all are one 401.
 */
export function verifyKey(index: KeyIndex, presented: string, nowMs: number): IndexedKey | undefined {
  const known = index.proven.get(presented);
  if (known !== undefined) return known.expiresAtMs <= nowMs ? undefined : known;
  const parsed = parseApiKey(presented);
  if (parsed === undefined) return undefined;
  const record = index.byId.get(parsed.id);
  if (record === undefined || record.expiresAtMs <= nowMs) return undefined;
  if (!verifySecret(parsed.secret, record.hash)) return undefined;
  index.proven.set(presented, record);
  return record;
}
