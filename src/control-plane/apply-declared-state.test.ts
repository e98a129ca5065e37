import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
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
    expect(applyDeclaredState(store, parseConfig(yaml(0.5), opts))).toEqual({ services: ['spam'], tenants: ['demo'] });
    const audited = store.listAudit().length;
    expect(applyDeclaredState(store, parseConfig(yaml(0.5), opts))).toEqual({ services: [], tenants: [] });
    expect(store.listAudit()).toHaveLength(audited);
    expect(store.getService('spam')?.spec).toMatchObject({ command: ['node', 'server.js'], source: '/srv/app' });
  });

  it('updates a tenant whose config changed', () => {
    const store = new FakeStateStore();
    applyDeclaredState(store, parseConfig(yaml(0.5), opts));
    expect(applyDeclaredState(store, parseConfig(yaml(0.9), opts)).tenants).toEqual(['demo']);
    expect(store.getTenant('demo')?.config).toEqual({ threshold: 0.9 });
  });
});
