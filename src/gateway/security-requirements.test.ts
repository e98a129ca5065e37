// `security` with Google's meaning over real HTTP: the schemes of one requirement are ANDed, the requirements ORed,
// a presented credential that fails is a 401 whatever else would pass. A JWKS served on loopback signs the tokens.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGatewayDocument } from '../config/index.js';
import { generateApiKey, hashSecret } from '../api/api-key.js';
import type { TenantRecord } from '../api/index.js';
import { createGateway, type Gateway } from './gateway-server.js';
import { compileRouting } from './traffic-router.js';
import { testIdTokens } from './fixtures/test-id-tokens.js';

const ISSUER = 'https://issuer.example';
const OTHER_ISSUER = 'https://other-issuer.example';
let signingKey: CryptoKey;
let foreignKey: CryptoKey;
let jwksServer: Server;
let upstream: Server;
let gateway: Gateway;
let base: string;
const acme = generateApiKey();

function tenant(id: string): TenantRecord {
  return { id, displayName: id, config: {}, attributes: {}, createdAt: '', updatedAt: '' };
}

async function jwt(claims: Record<string, unknown>, opts: { key?: CryptoKey; issuer?: string; expiresIn?: string } = {}): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setIssuer(opts.issuer ?? ISSUER)
    .setAudience('mlaas')
    .setExpirationTime(opts.expiresIn ?? '5m')
    .sign(opts.key ?? signingKey);
}

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  signingKey = pair.privateKey;
  foreignKey = (await generateKeyPair('ES256')).privateKey;
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] });
  jwksServer = createServer((_req, res) => res.setHeader('content-type', 'application/json').end(jwks));
  await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
  const jwksUri = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;

  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.setHeader('content-type', 'application/json').end(JSON.stringify({ headers: req.headers })));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const port = (upstream.address() as AddressInfo).port;

  const route = (security?: unknown) => ({
    get: { ...(security === undefined ? {} : { security }), responses: { '200': { description: 'ok' } } },
  });
  const document = parseGatewayDocument({
    swagger: '2.0',
    info: { title: 'security', version: '1' },
    'x-google-backend': { address: 'mlaas://echo/echo' },
    securityDefinitions: {
      api_key: { type: 'apiKey', name: 'x-api-key', in: 'header' },
      jwt: { type: 'oauth2', flow: 'implicit', authorizationUrl: '', 'x-google-issuer': ISSUER, 'x-google-jwks_uri': jwksUri, 'x-google-audiences': 'mlaas' },
      located_jwt: {
        type: 'oauth2',
        flow: 'implicit',
        authorizationUrl: '',
        'x-google-issuer': ISSUER,
        'x-google-jwks_uri': jwksUri,
        'x-google-audiences': 'mlaas',
        'x-google-jwt-locations': [{ header: 'X-Jwt', value_prefix: 'Token ' }, { query: 'jwt' }],
      },
      other_jwt: {
        type: 'oauth2',
        flow: 'implicit',
        authorizationUrl: '',
        'x-google-issuer': OTHER_ISSUER,
        'x-google-jwks_uri': jwksUri,
        'x-google-audiences': 'mlaas',
      },
    },
    security: [{ jwt: [], api_key: [] }],
    paths: {
      '/and': route(),
      '/or': route([{ jwt: [] }, { api_key: [] }]),
      '/jwts': route([{ jwt: [] }, { other_jwt: [] }]),
      '/optional-jwt': route([{ jwt: [] }, {}]),
      '/key': route([{ api_key: [] }]),
      '/open': route([]),
      '/located': route([{ located_jwt: [] }]),
    },
  });
  gateway = createGateway({
    idTokens: await testIdTokens(),
    operations: document.operations,
    keys: [{ id: acme.id, tenantId: 'acme', hash: hashSecret(acme.secret), createdAt: '' }],
    tenants: [tenant('acme'), tenant('globex')],
    instances: { ready: () => [{ id: 'echo-1', host: '127.0.0.1', port }] },
    maxBodyBytes: 1024,
    logger: pino({ level: 'silent' }),
  });
  gateway.setRouting('echo', compileRouting({ service: 'echo', sticky: false, targets: [{ revision: 'echo-00001', percent: 100, tag: undefined }] }));
  await new Promise<void>((r) => gateway.server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await gateway.close();
  await Promise.all([new Promise((r) => upstream.close(r)), new Promise((r) => jwksServer.close(r))]);
});

interface Answer {
  status: number;
  code: string | undefined;
  detail: string | undefined;
  /** The tenant the service was told, when the request reached it. */
  tenant: string | undefined;
  /** The headers the service received. */
  seen: Record<string, string>;
}

async function get(path: string, credentials: { key?: string; token?: string } = {}, extra: Record<string, string> = {}): Promise<Answer> {
  const headers = { ...extra };
  if (credentials.key !== undefined) headers['x-api-key'] = credentials.key;
  if (credentials.token !== undefined) headers['authorization'] = `Bearer ${credentials.token}`;
  const res = await fetch(base + path, { headers });
  const body = (await res.json()) as { code?: string; detail?: string; headers?: Record<string, string> };
  return { status: res.status, code: body.code, detail: body.detail, tenant: body.headers?.['x-mlaas-tenant'], seen: body.headers ?? {} };
}

const badKey = () => `mlk_${acme.id}_${'x'.repeat(acme.secret.length)}`;

describe('one requirement naming a JWT and an API key (AND)', () => {
  it('refuses the key alone with 401 GW_TOKEN_MISSING: the JWT is required too', async () => {
    expect(await get('/and', { key: acme.key })).toMatchObject({
      status: 401,
      code: 'GW_TOKEN_MISSING',
      detail: 'this operation needs an API key (header x-api-key) together with a JWT of jwt (header authorization after "Bearer ", header x-goog-iap-jwt-assertion, query parameter access_token)',
    });
  });

  it('refuses the JWT alone with 401 GW_KEY_MISSING, even one whose sub names a tenant', async () => {
    expect(await get('/and', { token: await jwt({ sub: 'acme' }) })).toMatchObject({ status: 401, code: 'GW_KEY_MISSING' });
  });

  it('refuses a request with neither with 401 GW_KEY_MISSING', async () => {
    expect(await get('/and')).toMatchObject({ status: 401, code: 'GW_KEY_MISSING' });
  });

  it('admits both, the tenant from the key (the JWT’s sub need not name a tenant)', async () => {
    expect(await get('/and', { key: acme.key, token: await jwt({ sub: 'user-7' }) })).toMatchObject({ status: 200, tenant: 'acme' });
  });

  it('refuses a good key with a bad JWT (401 GW_TOKEN_INVALID), and a good JWT with a bad key (401 GW_KEY_INVALID)', async () => {
    expect(await get('/and', { key: acme.key, token: await jwt({ sub: 'acme' }, { key: foreignKey }) })).toMatchObject({
      status: 401,
      code: 'GW_TOKEN_INVALID',
      detail: 'JWT refused: the token signature does not verify',
    });
    expect(await get('/and', { key: badKey(), token: await jwt({ sub: 'acme' }) })).toMatchObject({ status: 401, code: 'GW_KEY_INVALID' });
  });
});

describe('two requirements, a JWT or an API key (OR)', () => {
  it('admits the key alone and the JWT alone, each for its tenant', async () => {
    expect(await get('/or', { key: acme.key })).toMatchObject({ status: 200, tenant: 'acme' });
    expect(await get('/or', { token: await jwt({ sub: 'globex' }) })).toMatchObject({ status: 200, tenant: 'globex' });
  });

  it('takes the tenant from the key when both pass', async () => {
    expect(await get('/or', { key: acme.key, token: await jwt({ sub: 'globex' }) })).toMatchObject({ status: 200, tenant: 'acme' });
  });

  it('refuses a bad JWT with 401 even beside a good key, and a bad key beside a good JWT', async () => {
    expect(await get('/or', { key: acme.key, token: await jwt({ sub: 'acme' }, { expiresIn: '-5m' }) })).toMatchObject({
      status: 401,
      code: 'GW_TOKEN_INVALID',
      detail: 'JWT refused: the token has expired',
    });
    expect(await get('/or', { key: badKey(), token: await jwt({ sub: 'globex' }) })).toMatchObject({ status: 401, code: 'GW_KEY_INVALID' });
  });

  it('refuses a request with neither, naming both ways in', async () => {
    expect(await get('/or')).toMatchObject({
      status: 401,
      code: 'GW_TOKEN_MISSING',
      detail: 'this operation needs a JWT of jwt (header authorization after "Bearer ", header x-goog-iap-jwt-assertion, query parameter access_token), or an API key (header x-api-key)',
    });
  });

  it('refuses a JWT-only admission whose sub names no tenant of the platform', async () => {
    expect(await get('/or', { token: await jwt({ sub: 'nobody' }) })).toMatchObject({
      status: 401,
      code: 'GW_TOKEN_INVALID',
      detail: "the token's sub claim names no tenant of this platform",
    });
  });
});

describe('JWT alternatives and optional credentials', () => {
  it('admits a token of either issuer and refuses one of a third', async () => {
    expect(await get('/jwts', { token: await jwt({ sub: 'acme' }) })).toMatchObject({ status: 200, tenant: 'acme' });
    expect(await get('/jwts', { token: await jwt({ sub: 'globex' }, { issuer: OTHER_ISSUER }) })).toMatchObject({ status: 200, tenant: 'globex' });
    expect(await get('/jwts', { token: await jwt({ sub: 'acme' }, { issuer: 'https://evil.example' }) })).toMatchObject({
      status: 401,
      code: 'GW_TOKEN_INVALID',
    });
  });

  it('with `{}` among the requirements admits no credential at all, but still refuses a bad JWT', async () => {
    expect(await get('/optional-jwt')).toMatchObject({ status: 200, tenant: undefined });
    expect(await get('/optional-jwt', { token: await jwt({ sub: 'globex' }) })).toMatchObject({ status: 200, tenant: 'globex' });
    expect(await get('/optional-jwt', { token: 'not.a.jwt' })).toMatchObject({ status: 401, code: 'GW_TOKEN_INVALID' });
  });

  it('ignores an Authorization header where the operation names no JWT scheme', async () => {
    expect(await get('/key', { key: acme.key, token: 'not.a.jwt' })).toMatchObject({ status: 200, tenant: 'acme' });
    expect(await get('/open', { token: 'not.a.jwt' })).toMatchObject({ status: 200, tenant: undefined });
  });
});

describe('where a JWT is looked for', () => {
  it('by default: Authorization after "Bearer " (case-sensitive, as Envoy), X-Goog-Iap-Jwt-Assertion, access_token', async () => {
    const token = await jwt({ sub: 'globex' });
    expect(await get(`/optional-jwt?access_token=${token}`)).toMatchObject({ status: 200, tenant: 'globex' });
    expect(await get('/optional-jwt', {}, { 'x-goog-iap-jwt-assertion': token })).toMatchObject({ status: 200, tenant: 'globex' });
    expect(await get('/or', {}, { authorization: `Bearer  ${token}` })).toMatchObject({ status: 200, tenant: 'globex' });
    expect(await get('/or', {}, { authorization: `bearer ${token}` })).toMatchObject({ status: 401, code: 'GW_TOKEN_MISSING' });
  });

  it('where x-google-jwt-locations says, in a header after its value_prefix or in a query parameter, and nowhere else', async () => {
    const token = await jwt({ sub: 'globex' });
    expect(await get('/located', {}, { 'x-jwt': `Token ${token}` })).toMatchObject({ status: 200, tenant: 'globex' });
    expect(await get(`/located?jwt=${token}`)).toMatchObject({ status: 200, tenant: 'globex' });
    expect(await get('/located', { token })).toMatchObject({
      status: 401,
      code: 'GW_TOKEN_MISSING',
      detail: 'this operation needs a JWT of located_jwt (header x-jwt after "Token ", query parameter jwt)',
    });
    expect(await get('/located', {}, { 'x-jwt': token })).toMatchObject({ status: 401, code: 'GW_TOKEN_MISSING' });
    expect(await get('/located', {}, { 'x-jwt': 'Token not-a-jwt' })).toMatchObject({ status: 401, code: 'GW_TOKEN_INVALID' });
  });
});

describe('what the backend learns of a verified JWT', () => {
  const forged = {
    'x-apigateway-api-userinfo': Buffer.from('{"sub":"admin"}').toString('base64url'),
    'x-endpoint-api-userinfo': Buffer.from('{"sub":"admin"}').toString('base64url'),
    'x-forwarded-authorization': 'Bearer forged',
  };

  it('gets the payload in X-Apigateway-Api-Userinfo (base64url, as the token carries it) and the caller’s Authorization in X-Forwarded-Authorization', async () => {
    const token = await jwt({ sub: 'user-7', email: 'u7@example.com' });
    const { status, seen } = await get('/and', { key: acme.key, token }, forged);
    expect(status).toBe(200);
    expect(seen['x-apigateway-api-userinfo']).toBe(token.split('.')[1]);
    expect(JSON.parse(Buffer.from(seen['x-apigateway-api-userinfo']!, 'base64url').toString())).toMatchObject({
      sub: 'user-7',
      email: 'u7@example.com',
      iss: ISSUER,
    });
    // As Google's gateway: Authorization carries the gateway's ID token for the backend, the caller's moves.
    expect(seen['authorization']).toMatch(/^Bearer /);
    expect(seen['authorization']).not.toBe(`Bearer ${token}`);
    expect(seen['x-forwarded-authorization']).toBe(`Bearer ${token}`);
    expect(seen['x-endpoint-api-userinfo']).toBeUndefined();
  });

  it('passes the payload where `{}` admitted the caller too, and never a caller’s own value', async () => {
    const token = await jwt({ sub: 'globex' });
    expect((await get('/optional-jwt', { token })).seen['x-apigateway-api-userinfo']).toBe(token.split('.')[1]);
    for (const path of ['/open', '/optional-jwt']) {
      const { status, seen } = await get(path, {}, forged);
      expect(status).toBe(200);
      expect(Object.keys(seen).filter((h) => h in forged)).toEqual([]);
    }
  });
});
