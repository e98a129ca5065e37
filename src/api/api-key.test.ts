import { describe, expect, it } from 'vitest';
import { generateApiKey, hashSecret, parseApiKey, verifySecret } from './api-key.js';

describe('API keys', () => {
  it('generates mlk_<12-char id>_<43-char secret> that parses back', () => {
    const { id, secret, key } = generateApiKey();
    expect(key).toMatch(/^mlk_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/);
    expect(parseApiKey(key)).toEqual({ id, secret });
  });

  it('parses a secret that itself contains underscores', () => {
    const fixed = (size: number) => Buffer.alloc(size, 0xff); // base64url of 0xff bytes is all `_`
    const { id, secret, key } = generateApiKey(fixed);
    expect(secret).toContain('_');
    expect(parseApiKey(key)).toEqual({ id, secret });
  });

  it('is deterministic for injected randomness and different for real randomness', () => {
    const fixed = (size: number) => Buffer.alloc(size, 1);
    expect(generateApiKey(fixed).key).toBe(generateApiKey(fixed).key);
    expect(generateApiKey().key).not.toBe(generateApiKey().key);
  });

  it.each([
    ['empty', ''],
    ['wrong prefix', 'mlx_abcdefghijkl_' + 'a'.repeat(43)],
    ['no separator', 'mlk_abcdefghijkl' + 'a'.repeat(43)],
    ['short id', 'mlk_abc_' + 'a'.repeat(43)],
    ['id with forbidden letters', 'mlk_ABCDEFGHIJKL_' + 'a'.repeat(43)],
    ['short secret', 'mlk_abcdefghijkl_' + 'a'.repeat(42)],
    ['secret with padding', 'mlk_abcdefghijkl_' + 'a'.repeat(42) + '='],
    ['trailing space', 'mlk_abcdefghijkl_' + 'a'.repeat(43) + ' '],
  ])('answers undefined for a malformed key (%s)', (_what, s) => {
    expect(parseApiKey(s)).toBeUndefined();
  });

  it('never throws on input that is not a string', () => {
    expect(parseApiKey(undefined as unknown as string)).toBeUndefined();
    expect(parseApiKey(42 as unknown as string)).toBeUndefined();
  });

  it('verifies the right secret and rejects a wrong one or a malformed hash', () => {
    const { secret } = generateApiKey();
    const hash = hashSecret(secret);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(verifySecret(secret, hash)).toBe(true);
    expect(verifySecret(generateApiKey().secret, hash)).toBe(false);
    expect(verifySecret(secret, hash.slice(0, 10))).toBe(false);
    expect(verifySecret(secret, 'not hex at all')).toBe(false);
  });
});
