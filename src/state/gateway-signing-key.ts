/**
 * The platform's signing key: the private key the gateway signs backends' ID
 * tokens with (see gateway/backend-id-tokens.ts). Made once, on first start,
 * and kept in `<stateDir>/gateway-signing-key.json` (a JWK, owner-only), so
 * that tokens and the published key set stay the same across restarts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey } from 'jose';
import { z } from 'zod';
import { ID_TOKEN_ALG, type GatewaySigningKey } from '../api/gateway-signing-key.js';

export const GATEWAY_SIGNING_KEY_FILE = 'gateway-signing-key.json';

const StoredKeySchema = z.object({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: z.string().min(1),
  y: z.string().min(1),
  d: z.string().min(1),
  kid: z.string().min(1),
});

/**
 * Answers the platform's signing key, creating it on first start.
 *
 * @example
 * const key = await ensureGatewaySigningKey('.mlaas'); // the same key on every later start
 */
export async function ensureGatewaySigningKey(stateDir: string): Promise<GatewaySigningKey> {
  const file = path.join(stateDir, GATEWAY_SIGNING_KEY_FILE);
  let stored: unknown;
  try {
    stored = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw unusable(file, err);
    stored = await create(file);
  }
  const parsed = StoredKeySchema.safeParse(stored);
  if (!parsed.success) throw unusable(file, parsed.error);
  const { d: _private, kid, ...publicJwk } = parsed.data;
  const privateKey = (await importJWK(parsed.data, ID_TOKEN_ALG)) as CryptoKey;
  return { kid, privateKey, publicJwk };
}

async function create(file: string): Promise<unknown> {
  const { privateKey } = await generateKeyPair(ID_TOKEN_ALG, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const stored = { ...jwk, kid: await calculateJwkThumbprint(jwk) };
  try {
    // `wx` fails if the file exists (another start made it first), and `mode` applies at creation.
    fs.writeFileSync(file, `${JSON.stringify(stored)}\n`, { mode: 0o600, flag: 'wx' });
    return stored;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  }
}

function unusable(file: string, cause: unknown): Error {
  return new Error(`${file}: not a usable signing key (an EC P-256 private JWK with a kid); delete it to have a new one made`, { cause });
}
