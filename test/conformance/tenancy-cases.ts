/**
 * Conformance cases of what the instance is told and what it never sees:
 * x-mlaas-tenant, x-mlaas-config (the tenant's config and its flag values,
 * base64url JSON), x-mlaas-settings overrides of the service's overridable
 * keys, and the caller's own x-mlaas-* headers and API key stripped before
 * the instance. (Which cases run where: conformance-cases.ts.)
 */
import { expect } from 'vitest';
import type { ConformanceCase } from './conformance-case.js';
import { expectProblem, expectServed, type Seen } from './gateway-answer.js';

const encode = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

function configOf(seen: Seen): unknown {
  const header = seen.headers['x-mlaas-config'];
  return header === undefined ? undefined : JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
}

const mlaasHeaders = (seen: Seen): string[] => Object.keys(seen.headers).filter((h) => h.startsWith('x-mlaas-')).sort();

export const TENANCY_CASES: readonly ConformanceCase[] = [
  {
    name: 'the instance gets x-mlaas-tenant and x-mlaas-config: the tenant’s config with its flag values',
    haproxy: 'native',
    async run(p) {
      const acme = expectServed(await p.send('/api/echo/t', { key: p.keys.acme }));
      expect(acme.headers['x-mlaas-tenant']).toBe('acme');
      expect(configOf(acme)).toEqual({ threshold: 0.5, language: 'en', 'pro-model': true, 'split-route': 'canary' });
      const globex = expectServed(await p.send('/api/echo/t', { key: p.keys.globex, keyIn: 'query' }));
      expect(globex.headers['x-mlaas-tenant']).toBe('globex');
      expect(configOf(globex)).toEqual({ threshold: 0.2, language: 'de', 'pro-model': false, 'split-route': 'stable' });
    },
  },
  {
    name: 'x-mlaas-settings overrides the service’s overridable keys only; a malformed one is 400 GW_SETTINGS_INVALID',
    haproxy: 'typescript',
    async run(p) {
      const seen = expectServed(
        await p.send('/api/echo/t', { key: p.keys.acme, headers: { 'x-mlaas-settings': encode({ threshold: 0.42, language: 'fr' }) } }),
      );
      expect(configOf(seen)).toEqual({ threshold: 0.42, language: 'en', 'pro-model': true, 'split-route': 'canary' });
      expect(seen.headers['x-mlaas-settings']).toBeUndefined();
      expectProblem(await p.send('/api/echo/t', { key: p.keys.acme, headers: { 'x-mlaas-settings': 'not json' } }), 400, 'GW_SETTINGS_INVALID');
    },
  },
  {
    name: 'the caller’s x-mlaas-* headers and its API key (header or query) never reach the instance; the rest of the query does',
    haproxy: 'native',
    async run(p) {
      const forged = {
        'x-mlaas-tenant': 'globex',
        'x-mlaas-config': encode({ threshold: 0.99 }),
        'x-mlaas-revision': 'echo-00099',
        'x-mlaas-anything': 'forged',
      };
      const byHeader = expectServed(await p.send('/api/echo/s?a=1', { key: p.keys.acme, headers: forged }));
      expect(mlaasHeaders(byHeader)).toEqual(['x-mlaas-config', 'x-mlaas-revision', 'x-mlaas-tenant']);
      expect(byHeader.headers).toMatchObject({ 'x-mlaas-tenant': 'acme', 'x-mlaas-revision': 'echo-00001' });
      expect(configOf(byHeader)).toMatchObject({ threshold: 0.5 });
      expect(byHeader.headers['x-api-key']).toBeUndefined();
      expect(byHeader.query).toBe('a=1');

      const byQuery = expectServed(await p.send('/api/echo/s?a=1', { key: p.keys.acme, keyIn: 'query', headers: forged }));
      expect(mlaasHeaders(byQuery)).toEqual(['x-mlaas-config', 'x-mlaas-revision', 'x-mlaas-tenant']);
      expect(byQuery.headers['x-mlaas-tenant']).toBe('acme');
      expect(byQuery.query).toBe('a=1');
      expect(JSON.stringify(byQuery)).not.toContain(p.keys.acme);
    },
  },
];
