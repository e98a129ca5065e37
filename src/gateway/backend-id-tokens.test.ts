import { calculateJwkThumbprint, createLocalJWKSet, decodeJwt, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import type { GatewaySigningKey } from '../api/gateway-signing-key.js';
import { BackendIdTokens } from './backend-id-tokens.js';

async function signingKey(): Promise<GatewaySigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const publicJwk = await exportJWK(publicKey);
  return { kid: await calculateJwkThumbprint(publicJwk), privateKey, publicJwk };
}

describe('BackendIdTokens', () => {
  it('signs an hour-long ES256 token for the audience, verifiable with its published key set', async () => {
    const now = Date.UTC(2030, 0, 1, 12, 0, 0);
    const tokens = new BackendIdTokens({ key: await signingKey(), issuer: () => 'http://127.0.0.1:8081', now: () => now });
    const authorization = await tokens.authorization('https://backend.example.com');
    expect(authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    const token = authorization.slice('Bearer '.length);
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(tokens.jwks()), {
      issuer: 'http://127.0.0.1:8081',
      audience: 'https://backend.example.com',
      currentDate: new Date(now),
    });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'JWT', kid: tokens.jwks().keys[0]?.kid });
    expect(payload.iat).toBe(now / 1000);
    expect(payload.exp).toBe(now / 1000 + 3600);
    expect(tokens.jwks().keys[0]).not.toHaveProperty('d');
  });

  it('reuses a token until five minutes before it expires, then renews it while the old one still serves', async () => {
    let now = Date.UTC(2030, 0, 1, 12, 0, 0);
    const tokens = new BackendIdTokens({ key: await signingKey(), issuer: () => 'iss', now: () => now });
    const first = await tokens.authorization('aud-a');
    now += 54 * 60_000;
    // Cached: answered at once, not a promise.
    expect(tokens.authorization('aud-a')).toBe(first);
    expect(await tokens.authorization('aud-b')).not.toBe(first);
    now += 2 * 60_000;
    // Within five minutes of expiry: the old token once more, a new one being made.
    expect(tokens.authorization('aud-a')).toBe(first);
    // The renewed one replaces it as soon as it is signed (the wait bounds a stuck signature, it measures nothing).
    await vi.waitFor(() => expect(tokens.authorization('aud-a')).not.toBe(first), { timeout: 10_000 });
    const renewed = tokens.authorization('aud-a');
    expect(typeof renewed).toBe('string');
    expect(decodeJwt((renewed as string).slice('Bearer '.length)).exp).toBe(Math.floor(now / 1000) + 3600);
  });

  it('makes one token for concurrent first requests, and a new one once the old has expired', async () => {
    let now = Date.UTC(2030, 0, 1, 12, 0, 0);
    const tokens = new BackendIdTokens({ key: await signingKey(), issuer: () => 'iss', now: () => now });
    const [a, b] = await Promise.all([tokens.authorization('aud'), tokens.authorization('aud')]);
    expect(a).toBe(b);
    now += 3601_000;
    const later = tokens.authorization('aud');
    expect(later).toBeInstanceOf(Promise);
    expect(decodeJwt((await later).slice('Bearer '.length)).iat).toBe(Math.floor(now / 1000));
  });
});
