import { describe, expect, it } from 'vitest';
import { MlaasError } from '../errors.js';
import { decodeConfigHeader } from '../api/service-contract.js';
import { FlagSet } from './flag-set.js';
import { parseRequestSettings, resolveTenantConfig } from './resolve-tenant-config.js';
import { TenantConfigCache, type TenantProfile } from './tenant-config-cache.js';

const tenants: TenantProfile[] = [
  { id: 'acme', config: { threshold: 0.5, model: 'm1', language: 'en' }, attributes: { plan: 'pro' } },
  { id: 'globex', config: { threshold: 0.4 }, attributes: { plan: 'free', targetingKey: 'acme' } },
];
const modelFlag = (proModel: string) => ({
  flags: {
    model: {
      state: 'ENABLED',
      variants: { old: 'm1', new: proModel },
      defaultVariant: 'old',
      targeting: { if: [{ '==': [{ var: 'plan' }, 'pro'] }, 'new'] },
    },
    vip: {
      state: 'ENABLED',
      variants: { yes: true, no: false },
      defaultVariant: 'no',
      targeting: { if: [{ '==': [{ var: 'targetingKey' }, 'acme'] }, 'yes'] },
    },
  },
});
const overridable = new Set(['threshold', 'model']);
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('resolveTenantConfig', () => {
  const cache = new TenantConfigCache(tenants, FlagSet.fromDocument(modelFlag('m2')));

  it('layers tenant config < flag values < overridable request settings, ignoring and reporting the rest', () => {
    const settings = parseRequestSettings(encode({ threshold: 0.9, language: 'de', debug: true }));
    const resolved = resolveTenantConfig(cache.forTenant('acme'), overridable, settings);
    const expected = { threshold: 0.9, model: 'm2', language: 'en', vip: true };
    expect(resolved.config).toEqual(expected);
    expect(resolved.ignored).toEqual(['language', 'debug']);
    // What the service's SDK reads from x-mlaas-config.
    expect(decodeConfigHeader(resolved.header)).toEqual(expected);
  });

  it('lets a request override a flag value when the service allows it', () => {
    const resolved = resolveTenantConfig(cache.forTenant('acme'), overridable, { model: 'm3' });
    expect(resolved.config).toMatchObject({ model: 'm3' });
  });

  it('reuses the precomputed header when the request carries no settings', () => {
    const base = cache.forTenant('acme');
    expect(cache.forTenant('acme')).toBe(base);
    const plain = resolveTenantConfig(base, overridable, undefined);
    expect(plain.header).toBe(base.header);
    expect(plain.ignored).toEqual([]);
    expect(decodeConfigHeader(plain.header)).toEqual({ threshold: 0.5, model: 'm2', language: 'en', vip: true });
  });

  it('targets by the tenant id from the key, never by an attribute named targetingKey, and never sends attributes', () => {
    expect(cache.forTenant('globex').config).toEqual({ threshold: 0.4, model: 'm1', vip: false });
  });

  it('carries a changed flag in the very next request once the cache is rebuilt', () => {
    const next = new TenantConfigCache(tenants, FlagSet.fromDocument(modelFlag('m9')));
    expect(decodeConfigHeader(next.forTenant('acme').header)).toMatchObject({ model: 'm9' });
  });

  it('evaluates flags for a tenant that has no profile', () => {
    expect(cache.forTenant('initech').config).toEqual({ model: 'm1', vip: false });
  });
});

describe('parseRequestSettings', () => {
  it('treats an absent or empty header as no settings', () => {
    expect(parseRequestSettings(undefined)).toBeUndefined();
    expect(parseRequestSettings('')).toBeUndefined();
  });

  it.each([
    ['not base64url', '%%%'],
    ['not JSON', Buffer.from('{threshold').toString('base64url')],
    ['a list', encode([1, 2])],
    ['a number', encode(3)],
  ])('answers 400 GW_SETTINGS_INVALID for %s', (_what, header) => {
    let caught: unknown;
    try {
      parseRequestSettings(header);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(MlaasError);
    expect(caught).toMatchObject({ code: 'GW_SETTINGS_INVALID', status: 400, errors: [{ path: 'x-mlaas-settings' }] });
  });

  it('keeps a "__proto__" key as data', () => {
    const settings = parseRequestSettings(encode(JSON.parse('{"__proto__": {"polluted": true}, "threshold": 1}')));
    const resolved = resolveTenantConfig({ config: {}, header: encode({}) }, new Set(['__proto__', 'threshold']), settings);
    expect(Object.getPrototypeOf(resolved.config)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(decodeConfigHeader(resolved.header)).toMatchObject({ threshold: 1 });
  });
});
