// Signing keys published as a map of X.509 certificates (Google's service-account form) or as a JWKS that rotates,
// served on loopback and checked through JwtVerifier as the gateway uses it.
import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SignJWT, exportJWK, generateKeyPair, importPKCS8, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JwtScheme } from '../config/index.js';
import { DEFAULT_JWT_LOCATIONS } from '../config/jwt-locations.js';
import { JwtVerifier } from './jwt-verifier.js';

const ISSUER = 'https://securetoken.example/project';
const FIXTURE = path.resolve(import.meta.dirname, '../../test/fixtures/x509-signer');
const certificate = fs.readFileSync(path.join(FIXTURE, 'cert.pem'), 'utf8');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-x509-'));

/** What the server publishes at each path; changed by the tests to rotate keys. */
const published: Record<string, unknown> = {};
const fetches: Record<string, number> = {};
let server: Server;
let base: string;
let certKey: CryptoKey;

const scheme = (jwksUri: string): JwtScheme => ({
  name: 'firebase',
  type: 'jwt',
  issuer: ISSUER,
  jwksUri,
  audiences: [],
  locations: DEFAULT_JWT_LOCATIONS,
  tenantClaim: 'sub',
});

function token(key: CryptoKey, kid: string, alg = 'RS256'): Promise<string> {
  return new SignJWT({ sub: 'acme' }).setProtectedHeader({ alg, kid }).setIssuer(ISSUER).setExpirationTime('5m').sign(key);
}

beforeAll(async () => {
  certKey = await importPKCS8(fs.readFileSync(path.join(FIXTURE, 'key.pem'), 'utf8'), 'RS256');
  server = createServer((req, res) => {
    const url = req.url ?? '';
    fetches[url] = (fetches[url] ?? 0) + 1;
    const body = published[url];
    if (body === undefined) return res.writeHead(404).end();
    res.setHeader('content-type', 'application/json').end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a JWKS URL that publishes X.509 certificates by key id', () => {
  it('verifies a token signed by the certificate’s key, and refuses one naming another key id', async () => {
    published['/x509/signer@example.iam.gserviceaccount.com'] = { 'cert-1': certificate, 'cert-0': certificate };
    const verifier = new JwtVerifier(scheme(`${base}/x509/signer@example.iam.gserviceaccount.com`), dir);
    expect(await verifier.verify(await token(certKey, 'cert-1'))).toMatchObject({ ok: true, payload: { sub: 'acme', iss: ISSUER } });
    expect(await verifier.verify(await token(certKey, 'cert-9'))).toEqual({ ok: false, reason: 'the token signature does not verify' });
  });

  it('reads the same map from a file beside the gateway document', async () => {
    fs.writeFileSync(path.join(dir, 'certs.json'), JSON.stringify({ 'cert-1': certificate }));
    expect(await new JwtVerifier(scheme('certs.json'), dir).verify(await token(certKey, 'cert-1'))).toMatchObject({ ok: true });
  });

  it('refuses every token when the URL publishes neither a JWKS nor certificates', async () => {
    published['/not-keys'] = { 'cert-1': 'not a certificate' };
    expect(await new JwtVerifier(scheme(`${base}/not-keys`), dir).verify(await token(certKey, 'cert-1'))).toEqual({
      ok: false,
      reason: 'the token could not be verified (signing keys unavailable)',
    });
  });
});

describe('a rotating JWKS', () => {
  it('fetches once for many tokens, and again for an unknown key id once 30 s have passed since the last fetch', async () => {
    const first = await generateKeyPair('ES256');
    const second = await generateKeyPair('ES256');
    const jwk = async (key: CryptoKey, kid: string) => ({ ...(await exportJWK(key)), kid, alg: 'ES256', use: 'sig' });
    published['/rotating'] = { keys: [await jwk(first.publicKey, 'k1')] };
    let now = 1_000_000;
    const verifier = new JwtVerifier(scheme(`${base}/rotating`), dir, () => now);

    for (let i = 0; i < 3; i++) expect(await verifier.verify(await token(first.privateKey, 'k1', 'ES256'))).toMatchObject({ ok: true });
    expect(fetches['/rotating']).toBe(1);

    published['/rotating'] = { keys: [await jwk(first.publicKey, 'k1'), await jwk(second.publicKey, 'k2')] };
    now += 10_000;
    expect(await verifier.verify(await token(second.privateKey, 'k2', 'ES256'))).toMatchObject({ ok: false });
    expect(fetches['/rotating']).toBe(1);
    now += 20_000;
    expect(await verifier.verify(await token(second.privateKey, 'k2', 'ES256'))).toMatchObject({ ok: true });
    expect(fetches['/rotating']).toBe(2);
  });
});
