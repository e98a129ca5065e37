/**
 * Conformance cases of who may call: API keys in the header or the query,
 * missing, unknown, revoked and expired keys, key scopes, JWTs verified
 * against a JWKS file (tenant from a claim) alone and in AND / OR security
 * requirements, and per-key quotas. (Which cases run where: conformance-cases.ts.)
 */
import { expect } from 'vitest';
import { waitUntil } from '../e2e/mlaas-process.js';
import type { ConformanceCase } from './conformance-case.js';
import type { ConformancePlatform } from './conformance-platform.js';
import { expectProblem, expectServed } from './gateway-answer.js';

async function createKey(p: ConformancePlatform, args: readonly string[]): Promise<{ id: string; key: string }> {
  return JSON.parse(await p.cliOk(['keys', 'create', ...args, '-o', 'json'])) as { id: string; key: string };
}

/** The status and code a key gets at once, polled until it is refused: a change of keys reaches the gateway within `ms`. */
async function refusedWithin(p: ConformancePlatform, key: string, ms: number): Promise<void> {
  const answer = await waitUntil('the key to be refused', () => p.send('/api/echo/k', { key }), (a) => a.status !== 200, ms, 100);
  expectProblem(answer, 401, 'GW_KEY_INVALID');
}

export const AUTH_CASES: readonly ConformanceCase[] = [
  {
    name: 'a valid API key in the x-api-key header or in the key= query parameter admits its tenant',
    haproxy: 'native',
    async run(p) {
      expect(expectServed(await p.send('/api/echo/k', { key: p.keys.acme })).headers['x-mlaas-tenant']).toBe('acme');
      expect(expectServed(await p.send('/api/echo/k', { key: p.keys.globex, keyIn: 'query' })).headers['x-mlaas-tenant']).toBe('globex');
    },
  },
  {
    name: 'no key is 401 GW_KEY_MISSING; an unknown or malformed key, in the header or the query, is 401 GW_KEY_INVALID',
    haproxy: 'typescript',
    async run(p) {
      expectProblem(await p.send('/api/echo/k'), 401, 'GW_KEY_MISSING');
      const unknown = p.keys.acme.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a'));
      expectProblem(await p.send('/api/echo/k', { key: unknown }), 401, 'GW_KEY_INVALID');
      expectProblem(await p.send('/api/echo/k', { key: unknown, keyIn: 'query' }), 401, 'GW_KEY_INVALID');
      expectProblem(await p.send('/api/echo/k', { key: 'not-a-key' }), 401, 'GW_KEY_INVALID');
    },
  },
  {
    name: 'a key revoked through the CLI is 401 GW_KEY_INVALID within 3 s',
    haproxy: 'typescript',
    async run(p) {
      const created = await createKey(p, ['--tenant', 'globex']);
      expectServed(await p.send('/api/echo/k', { key: created.key }));
      await p.cliOk(['keys', 'revoke', created.id]);
      await refusedWithin(p, created.key, 3_000);
    },
  },
  {
    name: 'a key past its expiry is 401 GW_KEY_INVALID',
    haproxy: 'typescript',
    async run(p) {
      const expiresAt = new Date(Date.now() + 5_000).toISOString();
      const created = await createKey(p, ['--tenant', 'globex', '--expires-at', expiresAt]);
      expectServed(await p.send('/api/echo/k', { key: created.key }));
      await refusedWithin(p, created.key, 10_000);
      expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(expiresAt));
    },
  },
  {
    name: 'a key scoped to a service calls that service',
    haproxy: 'native',
    async run(p) {
      expect(expectServed(await p.send('/api/split', { key: p.keys.scoped })).headers['x-mlaas-tenant']).toBe('acme');
    },
  },
  {
    name: 'a key calling a service outside its scopes is 403 GW_KEY_SCOPE',
    haproxy: 'typescript',
    async run(p) {
      expectProblem(await p.send('/api/echo/k', { key: p.keys.scoped }), 403, 'GW_KEY_SCOPE');
      expectProblem(await p.send('/api/echo/k', { key: p.keys.scoped, keyIn: 'query' }), 403, 'GW_KEY_SCOPE');
    },
  },
  {
    name: 'security [{ jwt, api_key }] needs both: either alone is 401, both reach the instance for the key’s tenant',
    haproxy: 'typescript',
    async run(p) {
      const token = await p.jwt({ sub: 'user-1', tenant: 'globex' });
      const bearer = { authorization: `Bearer ${token}` };
      expectProblem(await p.send('/api/jwt/and', { key: p.keys.acme }), 401, 'GW_TOKEN_MISSING');
      expectProblem(await p.send('/api/jwt/and', { headers: bearer }), 401, 'GW_KEY_MISSING');
      const both = expectServed(await p.send('/api/jwt/and', { key: p.keys.acme, headers: bearer }));
      expect(both.headers['x-mlaas-tenant']).toBe('acme');
      expect(both.headers['x-api-key']).toBeUndefined();
    },
  },
  {
    name: 'security [{ jwt }, { api_key }] takes either: a JWT alone acts for its tenant claim, a bad JWT is 401 GW_TOKEN_INVALID',
    haproxy: 'typescript',
    async run(p) {
      const token = await p.jwt({ sub: 'user-2', tenant: 'globex' });
      const byToken = expectServed(await p.send('/api/jwt/or', { headers: { authorization: `Bearer ${token}` } }));
      expect(byToken.headers['x-mlaas-tenant']).toBe('globex');
      expect(expectServed(await p.send('/api/jwt/or', { key: p.keys.acme })).headers['x-mlaas-tenant']).toBe('acme');
      const tampered = `${token.slice(0, -4)}${token.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
      expectProblem(await p.send('/api/jwt/or', { headers: { authorization: `Bearer ${tampered}` } }), 401, 'GW_TOKEN_INVALID');
      // Neither credential: the first requirement, the JWT, is what is missing.
      expectProblem(await p.send('/api/jwt/or'), 401, 'GW_TOKEN_MISSING');
    },
  },
  {
    name: 'a key allowed 3 requests a minute gets 3 answers, then 429 GW_QUOTA_EXCEEDED with a Retry-After in seconds',
    haproxy: 'typescript',
    async run(p) {
      for (let i = 0; i < 3; i++) expectServed(await p.send('/api/echo/q', { key: p.keys.limited }));
      const refused = await p.send('/api/echo/q', { key: p.keys.limited });
      expectProblem(refused, 429, 'GW_QUOTA_EXCEEDED');
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
    },
  },
];
