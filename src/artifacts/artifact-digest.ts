/**
 * Artifact digests: `sha256:<64 hex>` of the gzipped tar, the name an
 * artifact is stored and built under.
 */
import { createHash } from 'node:crypto';
import { MlaasError } from '../errors.js';

const DIGEST = /^sha256:([0-9a-f]{64})$/;

export function sha256Hex(...parts: Array<Uint8Array | string>): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
}

export function digestOf(bytes: Uint8Array): string {
  return `sha256:${sha256Hex(bytes)}`;
}

/** The hex part of a digest; anything else is ARTIFACT_INVALID. */
export function digestHex(digest: string): string {
  const hex = DIGEST.exec(digest)?.[1];
  if (hex === undefined) {
    throw new MlaasError('ARTIFACT_INVALID', `artifact digest: expected "sha256:" and 64 lower-case hex digits, got "${digest}"`);
  }
  return hex;
}
