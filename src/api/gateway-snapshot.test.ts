// The snapshot a gateway in another process serves from, read from a store as a control plane left it.
import { describe, expect, it } from 'vitest';
import { FakeStateStore } from '../state/fake-state-store.js';
import { readGatewaySnapshot } from './gateway-snapshot.js';

function storeWithEcho(): FakeStateStore {
  const store = new FakeStateStore();
  store.upsertService('echo', { command: ['node', 'server.mjs'], overridable: ['language'] });
  store.upsertService('idle', { command: ['node', 'server.mjs'] });
  const first = store.createRevision('echo', { scaling: { concurrency: 4, maxInstances: 3 }, timeoutSeconds: 20 });
  const second = store.createRevision('echo', {});
  store.setRevisionState(first.name, 'ready');
  store.setRevisionState(second.name, 'ready');
  store.createRevision('idle', {});
  return store;
}

describe('readGatewaySnapshot', () => {
  it('resolves each service’s traffic to revisions, latestRevision to the newest ready one; a service with none ready is absent', () => {
    const store = storeWithEcho();
    const snapshot = readGatewaySnapshot(store);
    expect([...snapshot.traffic.keys()]).toEqual(['echo']);
    expect(snapshot.traffic.get('echo')?.targets).toEqual([{ revision: 'echo-00002', percent: 100, tag: undefined }]);
  });

  it('gives every revision with traffic or a tag the limits its recorded scaling and timeout set, defaults for the rest', () => {
    const store = storeWithEcho();
    store.setTraffic('echo', {
      targets: [
        { revision: 'echo-00001', percent: 90 },
        { latestRevision: true, percent: 10, tag: 'canary' },
      ],
      sticky: true,
    });
    const snapshot = readGatewaySnapshot(store);
    expect(snapshot.traffic.get('echo')).toMatchObject({ sticky: true, targets: [{ revision: 'echo-00001', percent: 90 }, { revision: 'echo-00002', percent: 10, tag: 'canary' }] });
    expect(Object.fromEntries(snapshot.limits)).toEqual({
      'echo-00001': { concurrency: 4, maxInstances: 3, timeoutMs: 20_000 },
      'echo-00002': { concurrency: 0, maxInstances: 10, timeoutMs: 300_000 },
    });
  });

  it('carries keys, tenants, flags and overridable settings as stored', () => {
    const store = storeWithEcho();
    store.upsertTenant('acme', { displayName: 'Acme', config: { language: 'en' } });
    const { key } = store.createKey('acme');
    store.revokeKey(key.id);
    const flags = { flags: { beta: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' } } };
    store.setFlags(flags);
    const snapshot = readGatewaySnapshot(store);
    expect(snapshot.tenants.map((t) => t.id)).toEqual(['acme']);
    expect(snapshot.keys).toEqual([expect.objectContaining({ id: key.id, revokedAt: expect.any(String) })]);
    expect(snapshot.flags).toEqual(flags);
    expect(Object.fromEntries(snapshot.overridable)).toEqual({ echo: ['language'] });
  });

  it('knows the ready instances and the activator the control plane published, and nothing of them before', () => {
    const store = storeWithEcho();
    expect(readGatewaySnapshot(store)).toMatchObject({ instances: new Map(), activator: undefined });
    store.setReadyInstances('echo-00002', [{ id: 'echo-00002-a', host: '127.0.0.1', port: 4100 }]);
    store.setActivator({ url: 'http://127.0.0.1:4200', token: 't', issuer: 'http://127.0.0.1:8081' });
    const snapshot = readGatewaySnapshot(store);
    expect(Object.fromEntries(snapshot.instances)).toEqual({ 'echo-00002': [{ id: 'echo-00002-a', host: '127.0.0.1', port: 4100 }] });
    expect(snapshot.activator).toEqual({ url: 'http://127.0.0.1:4200', token: 't', issuer: 'http://127.0.0.1:8081' });
  });
});
