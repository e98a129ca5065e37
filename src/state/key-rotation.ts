/**
 * What rotating a key means in every store: the old key must exist and not be
 * revoked; it stops working at the rotation's deadline, or at its own expiry
 * if sooner; the new key takes its description, scopes, quota and tags.
 */
import { MlaasError } from '../errors.js';
import type { CreateKeyOptions, KeyRecord, RotateKeyOptions } from './state-store.js';

export interface KeyRotation {
  old: KeyRecord;
  /** The old key's new expiry. */
  oldExpiresAt: string;
  /** What the new key is created with. */
  inherited: CreateKeyOptions;
}

/** Throws ADMIN_NOT_FOUND for an unknown key (`old` undefined), ADMIN_CONFLICT for a revoked one. */
export function keyRotation(id: string, old: KeyRecord | undefined, opts: RotateKeyOptions): KeyRotation {
  if (old === undefined) throw new MlaasError('ADMIN_NOT_FOUND', `no key ${id}`);
  if (old.revokedAt !== undefined) throw new MlaasError('ADMIN_CONFLICT', `key '${id}' is revoked; create a new key instead`);
  const oldExpiresAt = old.expiresAt !== undefined && old.expiresAt < opts.oldExpiresAt ? old.expiresAt : opts.oldExpiresAt;
  const inherited: CreateKeyOptions = {};
  if (old.description !== undefined) inherited.description = old.description;
  if (old.scopes !== undefined) inherited.scopes = old.scopes;
  if (old.quota !== undefined) inherited.quota = old.quota;
  if (old.allowTags === true) inherited.allowTags = true;
  return { old, oldExpiresAt, inherited };
}
