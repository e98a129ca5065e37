/**
 * API keys as callers see them: `mlk_<id>_<secret>`. The id is public (it
 * names the key record, shows up in logs and the admin API); the secret is
 * shown once at creation and only its hash is ever stored.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Every key starts with this, so secret scanners and humans can tell one apart. */
export const API_KEY_PREFIX = 'mlk_';

/** Lowercase RFC 4648 base32: no `_`, so the id never blurs into the separators around it. */
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const ID_LENGTH = 12;
const SECRET_BYTES = 32;
const ID_PATTERN = /^[a-z2-7]{12}$/;
/** 32 bytes in base64url without padding are exactly 43 characters. */
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface GeneratedApiKey {
  id: string;
  secret: string;
  /** The full key to hand to the caller once: `mlk_<id>_<secret>`. */
  key: string;
}

/**
 * Makes a new key from `random` (injected so tests can be deterministic).
 *
 * @example
 * const { id, key } = generateApiKey(); // key: 'mlk_k3j9…_Qx…'
 */
export function generateApiKey(random: (size: number) => Buffer = randomBytes): GeneratedApiKey {
  const idBytes = random(ID_LENGTH);
  // 256 is a multiple of 32, so `byte % 32` picks every letter with equal chance.
  let id = '';
  for (const byte of idBytes) id += ID_ALPHABET[byte % ID_ALPHABET.length];
  const secret = random(SECRET_BYTES).toString('base64url');
  return { id, secret, key: `${API_KEY_PREFIX}${id}_${secret}` };
}

/**
 * Splits a presented key into id and secret, or answers undefined for anything
 * that is not a well-formed key. Never throws: its input comes from callers.
 * The secret may itself contain `_` (base64url), so only the first two
 * underscores separate.
 */
export function parseApiKey(s: string): { id: string; secret: string } | undefined {
  if (typeof s !== 'string' || !s.startsWith(API_KEY_PREFIX)) return undefined;
  const end = s.indexOf('_', API_KEY_PREFIX.length);
  if (end < 0) return undefined;
  const id = s.slice(API_KEY_PREFIX.length, end);
  const secret = s.slice(end + 1);
  if (!ID_PATTERN.test(id) || !SECRET_PATTERN.test(secret)) return undefined;
  return { id, secret };
}

/**
 * SHA-256 hex of a secret. A fast hash is the right tool here: the secret is
 * 256 bits from a CSPRNG, so there is no dictionary to guess from and a slow
 * password hash (bcrypt, scrypt) would only cost the gateway CPU on every
 * request without making a stolen hash any harder to reverse.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** True when `secret` hashes to `hash`; compares in constant time. */
export function verifySecret(secret: string, hash: string): boolean {
  const actual = Buffer.from(hashSecret(secret), 'hex');
  const expected = Buffer.from(hash, 'hex');
  // A malformed stored hash decodes to another length; timingSafeEqual would throw on it.
  if (expected.length !== actual.length) return false;
  return timingSafeEqual(actual, expected);
}
