// The gateway's public key set on the admin port: for anyone, while every other route still needs the admin token.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminServer } from './admin-api.js';
import { JWKS_PATH, jwksRoutes } from './admin-routes-jwks.js';
import { FakeStateStore } from '../state/fake-state-store.js';

const KEYS = { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k1', alg: 'ES256', use: 'sig' }] };
let server: Server;
let base: string;

beforeAll(async () => {
  server = createAdminServer({
    store: new FakeStateStore(),
    token: 'mlat_secret',
    status: () => ({}),
    onChange: () => undefined,
    publicRoutes: jwksRoutes(() => KEYS),
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

describe(`GET ${JWKS_PATH}`, () => {
  it('answers the key set without an admin token', async () => {
    const res = await fetch(base + JWKS_PATH);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    expect(await res.json()).toEqual(KEYS);
  });

  it('leaves every other route behind the admin token', async () => {
    expect((await fetch(`${base}/v1/status`)).status).toBe(401);
    expect((await fetch(`${base}/.well-known/other.json`)).status).toBe(401);
    expect((await fetch(base + JWKS_PATH, { method: 'POST' })).status).toBe(401);
    expect((await fetch(`${base}/v1/status`, { headers: { authorization: 'Bearer mlat_secret' } })).status).toBe(200);
  });
});
