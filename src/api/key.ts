/**
 * API keys as records: the key's tenant, the hash of its secret, its scopes, quota and lifetime (the key format itself is api-key.ts).
 */
import type { QuotaSpec } from './tenant.js';

export interface KeyRecord {
  id: string;
  tenantId: string;
  /** SHA-256 hex of the secret (see `hashSecret`); the secret itself is never stored. */
  hash: string;
  createdAt: string;
  expiresAt?: string;
  revokedAt?: string;
  lastUsedAt?: string;
  description?: string;
  /** Services the key may call; absent means every service. */
  scopes?: string[];
  /** The key's own limit, over its tenant's `keyQuota`. */
  quota?: QuotaSpec;
  /**
   * True when the key's `x-mlaas-tag` header picks a revision even on a
   * service with tenant rules (a tester's or an operator's key); absent means false.
   */
  allowTags?: true;
  /** The key this one replaced through `rotateKey`. */
  rotatedFrom?: string;
}

export interface CreateKeyOptions {
  description?: string;
  expiresAt?: string;
  scopes?: string[];
  quota?: QuotaSpec;
  allowTags?: boolean;
}

export interface RotateKeyOptions {
  /** When the old key stops working: now plus the overlap window (or its own expiry, if sooner). */
  oldExpiresAt: string;
}

export interface CreatedKey {
  key: KeyRecord;
  /** The full `mlk_<id>_<secret>` key; shown once, never stored. */
  secretKey: string;
}

/** A key as the admin API shows it: everything but the hash of its secret. */
export type PublicKeyRecord = Omit<KeyRecord, 'hash'>;
