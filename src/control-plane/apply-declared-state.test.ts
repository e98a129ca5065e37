import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
import { FlagSet } from '../flags/flag-set.js';
import { applyDeclaredState } from './apply-declared-state.js';
import { FakeStateStore } from './fake-state-store.js';

const yaml = (threshold: number): string => `
gateway: { document: api-gateway.yaml }
services:
  spam: { command: [node, server.js] }
tenants:
  demo: { config: { threshold: ${threshold} } }
`;
const opts = { baseDir: '/srv/app', configPath: '/srv/app/mlaas.yaml' };

describe('applyDeclaredState', () => {
  it('writes declared services and tenants, then nothing when started again unchanged', () => {
    const store = new FakeStateStore();
    expect(applyDeclaredState(store, parseConfig(yaml(0.5), opts))).toEqual({ services: ['spam'], tenants: ['demo'], flags: false });
    const audited = store.listAudit().length;
    expect(applyDeclaredState(store, parseConfig(yaml(0.5), opts))).toEqual({ services: [], tenants: [], flags: false });
    expect(store.listAudit()).toHaveLength(audited);
    expect(store.getService('spam')?.spec).toMatchObject({ command: ['node', 'server.js'], source: '/srv/app' });
  });

  it('updates a tenant whose config changed', () => {
    const store = new FakeStateStore();
    applyDeclaredState(store, parseConfig(yaml(0.5), opts));
    expect(applyDeclaredState(store, parseConfig(yaml(0.9), opts)).tenants).toEqual(['demo']);
    expect(store.getTenant('demo')?.config).toEqual({ threshold: 0.9 });
  });

  it('writes tenant attributes and quotas, and declared flags only when they changed', () => {
    const store = new FakeStateStore();
    const text = yaml(0.5).replace('demo: {', 'demo: { attributes: { plan: pro }, quota: { requestsPerMinute: 600, burst: 20 },');
    const flag = (variant: string) =>
      FlagSet.fromDocument({ flags: { 'new-ui': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: variant } } });
    expect(applyDeclaredState(store, parseConfig(text, opts), 'up', flag('off')).flags).toBe(true);
    expect(store.getTenant('demo')).toMatchObject({ attributes: { plan: 'pro' }, quota: { requestsPerMinute: 600, burst: 20 } });
    expect(applyDeclaredState(store, parseConfig(text, opts), 'up', flag('off'))).toEqual({ services: [], tenants: [], flags: false });
    expect(applyDeclaredState(store, parseConfig(text, opts), 'up', flag('on')).flags).toBe(true);
    expect(store.getFlags()).toMatchObject({ flags: { 'new-ui': { defaultVariant: 'on' } } });
    // No `flags:` in mlaas.yaml: what the admin API set stays.
    expect(applyDeclaredState(store, parseConfig(text, opts)).flags).toBe(false);
    expect(store.getFlags()).toMatchObject({ flags: { 'new-ui': { defaultVariant: 'on' } } });
  });
});
