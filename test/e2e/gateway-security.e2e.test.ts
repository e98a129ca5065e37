/**
 * Black-box: the gateway document's `security` as Google means it, through
 * the real `mlaas up`. One requirement naming a JWT and an API key needs
 * both: the key alone is 401, the JWT alone is 401, both together reach the
 * service for the key's tenant. `x-google-jwt-locations` moves where the token
 * is read. The JWTs are signed by keys this test publishes on loopback, as a
 * JWKS or as Google's map of X.509 certificates.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SignJWT, exportJWK, generateKeyPair, importPKCS8, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMlaasUp, type MlaasUp } from './mlaas-process.js';
import { writeNodeService } from './scenario.js';
import { REPO } from './spam-model.js';

const ISSUER = 'https://issuer.e2e.example';
const SIGNER = path.join(REPO, 'test', 'fixtures', 'x509-signer');

let dir: string;
let up: MlaasUp;
let jwksServer: Server;
let signingKey: CryptoKey;
let acmeKey: string;

function jwt(claims: Record<string, unknown>, key: CryptoKey = signingKey, kid = 'e2e-1'): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid })
    .setIssuer(ISSUER)
    .setAudience('mlaas-e2e')
    .setExpirationTime('5m')
    .sign(key);
}

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  signingKey = pair.privateKey;
  const published: Record<string, string> = {
    '/jwks.json': JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'e2e-1', alg: 'RS256', use: 'sig' }] }),
    '/x509/signer@e2e.iam.gserviceaccount.com': JSON.stringify({ 'cert-1': readFileSync(path.join(SIGNER, 'cert.pem'), 'utf8') }),
  };
  jwksServer = createServer((req, res) => res.setHeader('content-type', 'application/json').end(published[req.url ?? ''] ?? '{}'));
  await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
  const keysAt = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}`;
  const jwksUri = `${keysAt}/jwks.json`;

  dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-e2e-security-'));
  writeNodeService(
    path.join(dir, 'echo'),
    `  req.resume();
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ headers: req.headers }));
  });`,
  );
  writeFileSync(
    path.join(dir, 'api-gateway.yaml'),
    `swagger: '2.0'
info: { title: security-e2e, version: 1.0.0 }
securityDefinitions:
  api_key: { type: apiKey, name: key, in: query }
  jwt:
    type: oauth2
    flow: implicit
    authorizationUrl: ''
    x-google-issuer: ${ISSUER}
    x-google-jwks_uri: ${jwksUri}
    x-google-audiences: mlaas-e2e
  located_jwt:
    type: oauth2
    flow: implicit
    authorizationUrl: ''
    x-google-issuer: ${ISSUER}
    x-google-jwks_uri: ${jwksUri}
    x-google-audiences: mlaas-e2e
    x-google-jwt-locations:
      - header: X-Jwt
        value_prefix: 'Token '
      - query: jwt
  service_account:
    type: oauth2
    flow: implicit
    authorizationUrl: ''
    x-google-issuer: ${ISSUER}
    x-google-jwks_uri: ${keysAt}/x509/signer@e2e.iam.gserviceaccount.com
    x-google-audiences: mlaas-e2e
security:
  - jwt: []
    api_key: []
paths:
  /v1/echo:
    get:
      x-google-backend: { address: 'mlaas://echo/echo' }
      responses: { '200': { description: ok } }
  /v1/service-account:
    get:
      security: [{ service_account: [] }]
      x-google-backend: { address: 'mlaas://echo/echo' }
      responses: { '200': { description: ok } }
  /v1/located:
    get:
      security: [{ located_jwt: [] }]
      x-google-backend: { address: 'mlaas://echo/echo' }
      responses: { '200': { description: ok } }
`,
  );
  writeFileSync(
    path.join(dir, 'mlaas.yaml'),
    `gateway: { document: api-gateway.yaml }
stateDir: state
services:
  echo:
    source: echo
    command: [node, server.mjs]
tenants:
  acme: {}
`,
  );
  up = await startMlaasUp(dir, 'state');
  acmeKey = (await up.cliOk(['keys', 'create', '--tenant', 'acme'])).trim();
}, 120_000);

afterAll(async () => {
  await up?.stop('SIGTERM');
  await new Promise((r) => jwksServer.close(r));
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

async function echo(
  credentials: { key?: string; token?: string },
  extra: Record<string, string> = {},
): Promise<{ status: number; code?: string; headers?: Record<string, string> }> {
  const query = credentials.key === undefined ? '' : `?key=${encodeURIComponent(credentials.key)}`;
  const res = await fetch(`${up.gatewayUrl}/v1/echo${query}`, {
    headers: { ...extra, ...(credentials.token === undefined ? {} : { authorization: `Bearer ${credentials.token}` }) },
  });
  return { status: res.status, ...((await res.json()) as object) };
}

describe('security: [{ jwt: [], api_key: [] }]', () => {
  it('answers 401 to the API key alone', async () => {
    expect(await echo({ key: acmeKey })).toMatchObject({ status: 401, code: 'GW_TOKEN_MISSING' });
  });

  it('answers 401 to the JWT alone', async () => {
    expect(await echo({ token: await jwt({ sub: 'acme' }) })).toMatchObject({ status: 401, code: 'GW_KEY_MISSING' });
  });

  it('answers 200 to both, for the key’s tenant, the JWT’s payload in X-Apigateway-Api-Userinfo, the caller’s Authorization in X-Forwarded-Authorization, and no forged one', async () => {
    const token = await jwt({ sub: 'user-42' });
    const both = await echo(
      { key: acmeKey, token },
      { 'x-apigateway-api-userinfo': 'forged', 'x-endpoint-api-userinfo': 'forged', 'x-forwarded-authorization': 'Bearer forged' },
    );
    expect(both).toMatchObject({ status: 200, headers: { 'x-mlaas-tenant': 'acme', 'x-apigateway-api-userinfo': token.split('.')[1] } });
    expect(both.headers?.['x-endpoint-api-userinfo']).toBeUndefined();
    // The gateway's ID token for the backend takes Authorization; the caller's own moves here, never the forged one.
    expect(both.headers?.['x-forwarded-authorization']).toBe(`Bearer ${token}`);
  });

  it('answers 401 to the key with a JWT another key signed', async () => {
    const forged = await jwt({ sub: 'acme' }, (await generateKeyPair('RS256')).privateKey);
    expect(await echo({ key: acmeKey, token: forged })).toMatchObject({ status: 401, code: 'GW_TOKEN_INVALID' });
  });
});

describe('x-google-jwt-locations', () => {
  async function located(query: string, headers: Record<string, string>): Promise<{ status: number; code?: string; headers?: Record<string, string> }> {
    const res = await fetch(`${up.gatewayUrl}/v1/located${query}`, { headers });
    return { status: res.status, ...((await res.json()) as object) };
  }

  it('reads the token from the header after its value_prefix, or from the query parameter', async () => {
    const token = await jwt({ sub: 'acme' });
    expect(await located('', { 'x-jwt': `Token ${token}` })).toMatchObject({ status: 200, headers: { 'x-mlaas-tenant': 'acme' } });
    expect(await located(`?jwt=${token}`, {})).toMatchObject({ status: 200, headers: { 'x-mlaas-tenant': 'acme' } });
  });

  it('no longer reads Authorization: Bearer, the default it replaces', async () => {
    expect(await located('', { authorization: `Bearer ${await jwt({ sub: 'acme' })}` })).toMatchObject({ status: 401, code: 'GW_TOKEN_MISSING' });
  });
});

describe('a JWKS URL publishing X.509 certificates (Google’s service-account form)', () => {
  it('admits a token signed by a certificate’s key, and refuses one another key signed', async () => {
    const certKey = await importPKCS8(readFileSync(path.join(SIGNER, 'key.pem'), 'utf8'), 'RS256');
    const call = async (token: string) => {
      const res = await fetch(`${up.gatewayUrl}/v1/service-account`, { headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, ...((await res.json()) as object) };
    };
    expect(await call(await jwt({ sub: 'acme' }, certKey, 'cert-1'))).toMatchObject({ status: 200, headers: { 'x-mlaas-tenant': 'acme' } });
    expect(await call(await jwt({ sub: 'acme' }, signingKey, 'cert-1'))).toMatchObject({ status: 401, code: 'GW_TOKEN_INVALID' });
  });
});
