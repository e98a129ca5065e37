// The ID token a backend receives from the gateway over real HTTP: Google's default audience, jwt_audience, disable_auth.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, jwtVerify } from 'jose';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGatewayDocument } from '../config/index.js';
import type { BackendIdTokens } from './backend-id-tokens.js';
import { testIdTokens } from './fixtures/test-id-tokens.js';
import { createGateway, type Gateway } from './gateway-server.js';
import { compileRouting } from './traffic-router.js';

let upstream: Server;
let gateway: Gateway;
let tokens: BackendIdTokens;
let base: string;

function document(backend: string): unknown {
  const ok = { responses: { '200': { description: 'ok' } } };
  const get = (xGoogleBackend: object) => ({ get: { ...ok, 'x-google-backend': xGoogleBackend } });
  return {
    swagger: '2.0',
    info: { title: 'auth', version: '1.0.0' },
    paths: {
      '/v1/default': get({ address: `${backend}/default` }),
      '/v1/custom': get({ address: `${backend}/custom`, jwt_audience: 'https://custom.example.com' }),
      '/v1/none': get({ address: `${backend}/none`, disable_auth: true }),
      '/v1/service': get({ address: 'mlaas://echo/service' }),
    },
  };
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(req.headers));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const port = (upstream.address() as AddressInfo).port;
  tokens = await testIdTokens();
  gateway = createGateway({
    operations: parseGatewayDocument(document(`http://127.0.0.1:${port}`)).operations,
    keys: [],
    tenants: [],
    instances: { ready: () => [{ id: 'echo-1', host: '127.0.0.1', port }] },
    maxBodyBytes: 1024,
    logger: pino({ level: 'silent' }),
    idTokens: tokens,
  });
  gateway.setRouting('echo', compileRouting({ service: 'echo', sticky: false, targets: [{ revision: 'echo-00001', percent: 100, tag: undefined }] }));
  await new Promise<void>((r) => gateway.server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await gateway.close();
  await new Promise((r) => upstream.close(r));
});

async function seen(path: string, headers: Record<string, string> = {}): Promise<IncomingHttpHeaders> {
  const res = await fetch(base + path, { headers });
  expect(res.status).toBe(200);
  return (await res.json()) as IncomingHttpHeaders;
}

async function audienceOf(authorization: string | undefined): Promise<unknown> {
  expect(authorization).toMatch(/^Bearer /);
  const { payload } = await jwtVerify((authorization as string).slice(7), createLocalJWKSet(tokens.jwks()), { issuer: 'http://admin.test' });
  return payload.aud;
}

describe('backend authentication', () => {
  it('sends an outside backend a token for its address, in place of the caller’s Authorization', async () => {
    const headers = await seen('/v1/default', { authorization: 'Bearer the-callers-own' });
    expect(await audienceOf(headers.authorization)).toBe('http://127.0.0.1');
  });

  it('moves the caller’s Authorization to X-Forwarded-Authorization, and drops a caller’s own X-Forwarded-Authorization', async () => {
    const replaced = await seen('/v1/default', { authorization: 'Bearer the-callers-own', 'x-forwarded-authorization': 'Bearer forged' });
    expect(replaced['x-forwarded-authorization']).toBe('Bearer the-callers-own');
    const without = await seen('/v1/default', { 'x-forwarded-authorization': 'Bearer forged' });
    expect(without['x-forwarded-authorization']).toBeUndefined();
  });

  it('sends a platform service a token for mlaas://SERVICE', async () => {
    expect(await audienceOf((await seen('/v1/service')).authorization)).toBe('mlaas://echo');
  });

  it('uses jwt_audience as the audience', async () => {
    expect(await audienceOf((await seen('/v1/custom')).authorization)).toBe('https://custom.example.com');
  });

  it('sends no token with disable_auth, and leaves the caller’s Authorization as it was', async () => {
    expect((await seen('/v1/none')).authorization).toBeUndefined();
    expect((await seen('/v1/none', { authorization: 'Bearer the-callers-own' })).authorization).toBe('Bearer the-callers-own');
  });

  it('will not serve an operation that needs a token without a key to sign it', () => {
    const [op] = parseGatewayDocument(document('http://127.0.0.1:1')).operations;
    const options = { keys: [], tenants: [], instances: { ready: () => [] }, maxBodyBytes: 1024, logger: pino({ level: 'silent' }) };
    expect(() => createGateway({ ...options, operations: op === undefined ? [] : [op] })).toThrow(
      'GET /v1/default sends its backend an ID token, and the gateway has no key to sign one (idTokens)',
    );
  });
});
