import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SignJWT, createLocalJWKSet, jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackendIdTokens } from '../gateway/backend-id-tokens.js';
import { GATEWAY_SIGNING_KEY_FILE, ensureGatewaySigningKey } from './gateway-signing-key.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('ensureGatewaySigningKey', () => {
  it('creates an owner-only key file at first start, and answers the same key on later starts', async () => {
    const first = await ensureGatewaySigningKey(dir);
    expect(fs.statSync(path.join(dir, GATEWAY_SIGNING_KEY_FILE)).mode & 0o777).toBe(0o600);
    const again = await ensureGatewaySigningKey(dir);
    expect(again.kid).toBe(first.kid);
    expect(again.publicJwk).toEqual(first.publicJwk);
    expect(first.publicJwk).not.toHaveProperty('d');
    // A token signed before a restart verifies with the key set published after it.
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: first.kid }).sign(first.privateKey);
    const keySet = new BackendIdTokens({ key: again, issuer: () => 'iss' }).jwks();
    await expect(jwtVerify(token, createLocalJWKSet(keySet))).resolves.toBeDefined();
  });

  it('makes a different key for a different state directory', async () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-'));
    try {
      expect((await ensureGatewaySigningKey(other)).kid).not.toBe((await ensureGatewaySigningKey(dir)).kid);
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });

  it('refuses a key file that holds no usable key, naming the file', async () => {
    fs.writeFileSync(path.join(dir, GATEWAY_SIGNING_KEY_FILE), '{"kty":"RSA"}\n', { mode: 0o600 });
    await expect(ensureGatewaySigningKey(dir)).rejects.toThrow(`${path.join(dir, GATEWAY_SIGNING_KEY_FILE)}: not a usable signing key`);
  });
});
