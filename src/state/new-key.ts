/**
 * A new API key as every store makes it: a generated id and secret, of which
 * only the hash is kept, with the options it was created with; and the
 * refusal every store gives when the generated id is taken.
 */
import { generateApiKey, hashSecret } from '../api/api-key.js';
import { MlaasError } from '../errors.js';
import type { CreateKeyOptions, CreatedKey, KeyRecord } from './state-store.js';

/**
 * The record to store and the key to hand out once.
 *
 * @example
 * const created = newKey(randomBytes, 'acme', { scopes: ['predict'] }, undefined, new Date().toISOString());
 * created.key.hash; // what the store keeps; created.secretKey is shown once
 */
export function newKey(
  random: (size: number) => Buffer,
  tenantId: string,
  opts: CreateKeyOptions,
  rotatedFrom: string | undefined,
  createdAt: string,
): CreatedKey {
  const generated = generateApiKey(random);
  const key: KeyRecord = { id: generated.id, tenantId, hash: hashSecret(generated.secret), createdAt };
  if (opts.expiresAt !== undefined) key.expiresAt = opts.expiresAt;
  if (opts.description !== undefined) key.description = opts.description;
  if (opts.scopes !== undefined) key.scopes = structuredClone(opts.scopes);
  if (opts.quota !== undefined) key.quota = structuredClone(opts.quota);
  if (opts.allowTags === true) key.allowTags = true;
  if (rotatedFrom !== undefined) key.rotatedFrom = rotatedFrom;
  return { key, secretKey: generated.key };
}

/** A generated id that another key already has (the table's primary key refuses it). */
export function duplicateKeyId(id: string, cause?: unknown): MlaasError {
  return new MlaasError('ADMIN_CONFLICT', `key id '${id}' already exists; create the key again`, { cause });
}
