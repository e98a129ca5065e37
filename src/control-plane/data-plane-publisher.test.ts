// What gateways in other processes learn from the store about this control plane's instances and activator.
import { describe, expect, it } from 'vitest';
import { DataPlanePublisher } from './data-plane-publisher.js';
import { FakeStateStore } from '../state/fake-state-store.js';
import type { InstanceEndpoint } from '../state/state-store.js';

describe('DataPlanePublisher', () => {
  it('clears what a crashed run left, publishes each ready-set change and the activator, and clears both on stop', () => {
    const store = new FakeStateStore();
    store.setReadyInstances('old-00001', [{ id: 'old-a', host: '127.0.0.1', port: 4000 }]);
    store.setActivator({ url: 'http://127.0.0.1:1', token: 'old', issuer: 'http://127.0.0.1:2' });
    const ready = new Map<string, InstanceEndpoint[]>();
    const publisher = new DataPlanePublisher({ store, ready: (r) => ready.get(r) ?? [], onError: (err) => { throw err; } });
    expect(store.listReadyInstances()).toEqual([]);
    expect(store.getActivator()).toBeUndefined();

    ready.set('echo-00001', [{ id: 'echo-a', host: '127.0.0.1', port: 4100 }]);
    publisher.readyChanged('echo-00001');
    publisher.activatorListening('http://127.0.0.1:4200', 'http://127.0.0.1:8081');
    expect(store.listReadyInstances().map((r) => [r.revision, r.instances])).toEqual([['echo-00001', [{ id: 'echo-a', host: '127.0.0.1', port: 4100 }]]]);
    expect(store.getActivator()).toEqual({ url: 'http://127.0.0.1:4200', token: publisher.token, issuer: 'http://127.0.0.1:8081' });

    ready.set('echo-00001', []);
    publisher.readyChanged('echo-00001');
    expect(store.listReadyInstances()).toEqual([]);

    ready.set('echo-00001', [{ id: 'echo-b', host: '127.0.0.1', port: 4101 }]);
    publisher.readyChanged('echo-00001');
    publisher.stop();
    expect(store.listReadyInstances()).toEqual([]);
    expect(store.getActivator()).toBeUndefined();
  });
});
