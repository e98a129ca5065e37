// JWT authentication with keys generated here, a JWKS served on loopback or read from a file, and the gateway in front.
import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayOperation, JwtScheme } from '../config/index.js';
import { DEFAULT_JWT_LOCATIONS } from '../config/jwt-locations.js';
import { decodeConfigHeader } from '../api/service-contract.js';
import { createGateway, type Gateway } from './gateway-server.js';
import { JwtVerifier } from './jwt-verifier.js';
import { compileRouting } from './traffic-router.js';

const ISSUER = 'https://issuer.example';
let signingKey: CryptoKey;
let otherKey: CryptoKey;
let jwks: { keys: JWK[] };
let jwksServer: Server;
let jwksUrl: string;
let jwksFetches = 0;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-'));

async function token(claims: Record<string, unknown>, opts: { key?: CryptoKey; expiresIn?: string; issuer?: string; audience?: string } = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setIssuer(opts.issuer ?? ISSUER)
    .setAudience(opts.audience ?? 'mlaas')
    .setIssuedAt()
    .setExpirationTime(opts.expiresIn ?? '5m')
    .sign(opts.key ?? signingKey);
}

const scheme = (extra: Partial<JwtScheme> = {}): JwtScheme => ({
  name: 'backend_jwt',
  type: 'jwt',
  issuer: ISSUER,
  jwksUri: jwksUrl,
  audiences: ['mlaas'],
  locations: DEFAULT_JWT_LOCATIONS,
  tenantClaim: 'sub',
  ...extra,
});

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  signingKey = pair.privateKey;
  otherKey = (await generateKeyPair('ES256')).privateKey;
  jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] };
  fs.writeFileSync(path.join(dir, 'jwks.json'), JSON.stringify(jwks));
  jwksServer = createServer((_req, res) => {
    jwksFetches++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(jwks));
  });
  await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
});

afterAll(async () => {
  await new Promise((r) => jwksServer.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('JwtVerifier', () => {
  it('accepts a token signed by a key of the JWKS URL and answers its claims, fetching the JWKS once', async () => {
    const verifier = new JwtVerifier(scheme(), dir);
    expect(await verifier.verify(await token({ sub: 'acme' }))).toMatchObject({ ok: true, payload: { sub: 'acme', iss: ISSUER, aud: 'mlaas' } });
    expect(await verifier.verify(await token({ sub: 'globex' }))).toMatchObject({ ok: true, payload: { sub: 'globex' } });
    expect(jwksFetches).toBe(1);
  });

  it('reads a JWKS from a file relative to the gateway document', async () => {
    const verifier = new JwtVerifier(scheme({ jwksUri: 'jwks.json' }), dir);
    expect(await verifier.verify(await token({ sub: 'user-1', org: 'acme' }))).toMatchObject({ ok: true, payload: { org: 'acme' } });
  });

  it.each([
    ['a foreign signature', () => token({ sub: 'acme' }, { key: otherKey }), 'the token signature does not verify'],
    ['another issuer', () => token({ sub: 'acme' }, { issuer: 'https://evil.example' }), "the token's iss claim is not accepted"],
    ['another audience', () => token({ sub: 'acme' }, { audience: 'someone-else' }), "the token's aud claim is not accepted"],
    ['an expired token', () => token({ sub: 'acme' }, { expiresIn: '-5m' }), 'the token has expired'],
    ['garbage', () => Promise.resolve('not.a.jwt'), 'the token is malformed'],
  ])('refuses %s with a reason', async (_what, make, reason) => {
    expect(await new JwtVerifier(scheme(), dir).verify(await make())).toEqual({ ok: false, reason });
  });
});

describe('the gateway with a JWT security definition', () => {
  let upstream: Server;
  let gateway: Gateway;
  let base: string;

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.end(JSON.stringify(req.headers)));
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const port = (upstream.address() as AddressInfo).port;
    gateway = createGateway({
      operations: [
        {
          path: '/v1/echo',
          method: 'GET',
          security: [[scheme({ jwksUri: 'jwks.json' })]],
          apiKeySchemes: [],
          backend: { kind: 'service', service: 'echo', path: '/echo' },
          pathTranslation: 'CONSTANT_ADDRESS',
          deadlineMs: 5_000,
          configPath: 'paths./v1/echo.get',
        } as GatewayOperation,
        {
          path: '/v1/org',
          method: 'GET',
          security: [[scheme({ jwksUri: 'jwks.json', tenantClaim: 'org' })]],
          apiKeySchemes: [],
          backend: { kind: 'service', service: 'echo', path: '/echo' },
          pathTranslation: 'CONSTANT_ADDRESS',
          deadlineMs: 5_000,
          configPath: 'paths./v1/org.get',
        } as GatewayOperation,
      ],
      keys: [],
      tenants: [
        { id: 'acme', displayName: 'Acme', config: { threshold: 0.5 }, attributes: {}, quota: { requestsPerMinute: 3 }, createdAt: '', updatedAt: '' },
        { id: 'initech', displayName: 'Initech', config: {}, attributes: {}, createdAt: '', updatedAt: '' },
      ],
      jwksBaseDir: dir,
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
    await new Promise((r) => upstream.close(r));
  });

  const get = async (authorization?: string, path = '/v1/echo') => {
    const res = await fetch(base + path, { headers: authorization === undefined ? {} : { authorization } });
    return { status: res.status, body: (await res.json()) as Record<string, string> };
  };

  it('forwards a valid token’s tenant with its config, and applies the tenant quota', async () => {
    const ok = await get(`Bearer ${await token({ sub: 'acme' })}`);
    expect(ok.status).toBe(200);
    expect(ok.body['x-mlaas-tenant']).toBe('acme');
    expect(decodeConfigHeader(ok.body['x-mlaas-config'])).toEqual({ threshold: 0.5 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await get(`Bearer ${await token({ sub: 'acme' })}`)).status);
    expect(statuses).toEqual([200, 200, 429]);
  });

  it('answers 401 without a token, for a bad token and for a tenant the platform does not know', async () => {
    expect((await get()).body).toMatchObject({
      status: 401,
      code: 'GW_TOKEN_MISSING',
      detail: 'this operation needs a JWT of backend_jwt (header authorization after "Bearer ", header x-goog-iap-jwt-assertion, query parameter access_token)',
    });
    expect((await get(`Bearer ${await token({ sub: 'acme' }, { expiresIn: '-5m' })}`)).body).toMatchObject({
      status: 401,
      code: 'GW_TOKEN_INVALID',
      detail: 'JWT refused: the token has expired',
    });
    expect((await get(`Bearer ${await token({ sub: 'nobody' })}`)).body).toMatchObject({
      code: 'GW_TOKEN_INVALID',
      detail: "the token's sub claim names no tenant of this platform",
    });
  });

  it('takes the tenant from the claim x-mlaas-tenant-claim names', async () => {
    const ok = await get(`Bearer ${await token({ sub: 'user-1', org: 'initech' })}`, '/v1/org');
    expect(ok).toMatchObject({ status: 200, body: { 'x-mlaas-tenant': 'initech' } });
    expect((await get(`Bearer ${await token({ sub: 'initech' })}`, '/v1/org')).body).toMatchObject({
      status: 401,
      code: 'GW_TOKEN_INVALID',
      detail: "the token's org claim names no tenant of this platform",
    });
  });
});
