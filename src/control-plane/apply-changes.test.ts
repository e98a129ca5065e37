import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig, type LoadedConfig } from '../config/index.js';
import { FlagSet } from '../flags/flag-set.js';
import { adoptMatching, applyDeclaredTenancy } from './apply-changes.js';
import type { Declared } from './declared-state.js';
import { FakeStateStore } from '../state/fake-state-store.js';

const yaml = (threshold: number): string => `
gateway: { document: api-gateway.yaml }
tenants:
  demo: { config: { threshold: ${threshold} }, attributes: { plan: pro }, quota: { requestsPerMinute: 600, burst: 20 } }
`;
const opts = { baseDir: '/srv/app', configPath: '/srv/app/mlaas.yaml' };
const flag = (variant: string) => FlagSet.fromDocument({ flags: { 'new-ui': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: variant } } });

function loaded(threshold: number, flags?: FlagSet): LoadedConfig {
  return { config: parseConfig(yaml(threshold), opts), gateway: { title: '', operations: [] }, flags, variables: {} };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function stateDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-apply-'));
  dirs.push(dir);
  return dir;
}

describe('applyDeclaredTenancy', () => {
  it('writes declared tenants and flags, then nothing (no audit row) when applied again unchanged', () => {
    const store = new FakeStateStore();
    const dir = stateDir();
    expect(applyDeclaredTenancy(store, loaded(0.5, flag('off')), dir, 'up')).toEqual({ tenants: ['demo'], flags: true, demoKeys: [] });
    expect(store.getTenant('demo')).toMatchObject({ config: { threshold: 0.5 }, attributes: { plan: 'pro' }, quota: { requestsPerMinute: 600, burst: 20 } });
    const audited = store.listAudit().length;
    expect(applyDeclaredTenancy(store, loaded(0.5, flag('off')), dir, 'up')).toEqual({ tenants: [], flags: false, demoKeys: [] });
    expect(store.listAudit()).toHaveLength(audited);
  });

  it('keeps a change made through the CLI while the file’s declaration stays, and applies the file once it changes', () => {
    const store = new FakeStateStore();
    const dir = stateDir();
    applyDeclaredTenancy(store, loaded(0.5, flag('off')), dir, 'up');
    store.upsertTenant('demo', { displayName: 'demo', config: { threshold: 0.1 } }, { actor: 'cli' });
    store.setFlags({ flags: {} }, { actor: 'cli' });
    expect(applyDeclaredTenancy(store, loaded(0.5, flag('off')), dir, 'up')).toEqual({ tenants: [], flags: false, demoKeys: [] });
    expect(store.getTenant('demo')?.config).toEqual({ threshold: 0.1 });
    expect(store.getFlags()).toEqual({ flags: {} });
    expect(applyDeclaredTenancy(store, loaded(0.9, flag('on')), dir, 'up')).toEqual({ tenants: ['demo'], flags: true, demoKeys: [] });
    expect(store.getTenant('demo')?.config).toEqual({ threshold: 0.9 });
    expect(store.getFlags()).toMatchObject({ flags: { 'new-ui': { defaultVariant: 'on' } } });
  });

  it('leaves the stored flags alone when mlaas.yaml has no flags:', () => {
    const store = new FakeStateStore();
    store.setFlags({ flags: { x: { state: 'ENABLED', variants: { a: 1 }, defaultVariant: 'a' } } });
    expect(applyDeclaredTenancy(store, loaded(0.5), stateDir(), 'up').flags).toBe(false);
    expect(store.getFlags()).toMatchObject({ flags: { x: { defaultVariant: 'a' } } });
  });
});

describe('adoptMatching', () => {
  it('records what already matches the files as last applied, and nothing of what the plan still changes', () => {
    const store = new FakeStateStore();
    const declared: Declared = {
      desired: {
        services: { echo: { spec: { command: ['node', 's.mjs'] }, revision: { artifact: { digest: 'sha256:a' } }, needsRevision: false } },
        tenants: { acme: { displayName: 'Acme', config: {} }, beta: { displayName: 'Beta', config: {} } },
        aliases: [],
        gateway: { title: '', operations: [] },
      },
      sources: new Map(),
      demoKeyTenants: [],
    };
    store.setApplied('tenant/beta', { displayName: 'Beta', config: { old: true } });
    adoptMatching([{ action: 'update', kind: 'tenant', name: 'beta' }], declared, store);
    expect(store.getApplied('service/echo')).toEqual({ command: ['node', 's.mjs'] });
    expect(store.getApplied('revision/echo')).toEqual({ spec: { command: ['node', 's.mjs'] }, revision: { artifact: { digest: 'sha256:a' } } });
    expect(store.getApplied('tenant/acme')).toEqual({ displayName: 'Acme', config: {} });
    expect(store.getApplied('tenant/beta')).toEqual({ displayName: 'Beta', config: { old: true } });
    expect(store.getApplied('flags')).toBeUndefined();
  });
});
