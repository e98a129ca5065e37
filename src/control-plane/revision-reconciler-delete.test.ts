// The reconciler's deletions — by hand, by GC, a whole service — against the fake store and a runtime that records what it runs.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { MlaasError } from '../errors.js';
import type { InstanceSpec } from '../runtime/supervisor.js';
import { FakeStateStore } from '../state/fake-state-store.js';
import { RevisionReconciler } from './revision-reconciler.js';
import type { RevisionRecord } from '../state/state-store.js';

function setup() {
  const store = new FakeStateStore();
  const running = new Map<string, number>();
  const published: Array<[string, string[] | undefined]> = [];
  const changed: string[] = [];
  const reconciler = new RevisionReconciler({
    store,
    runtime: {
      ensure: async (spec, count) => {
        running.set(spec.key, count);
        return Array.from({ length: count }, (_, i) => ({ id: `${spec.key}-${i}` }));
      },
      stopKey: async (key) => {
        running.delete(key);
      },
      instanceIds: (key) => Array.from({ length: running.get(key) ?? 0 }, (_, i) => `${key}-${i}`),
    },
    publisher: {
      publish: (service, traffic) => published.push([service, traffic?.targets.map((t) => `${t.revision}:${t.percent}`)]),
      drainInstances: async () => undefined,
      started: () => undefined,
      retired: () => undefined,
    },
    instanceSpecOf: (rev: RevisionRecord): InstanceSpec => ({ key: rev.name, service: rev.service, cwd: '/', command: ['x'], env: {}, models: {}, readiness: { path: '/healthz', timeoutMs: 1000 }, drainTimeoutMs: 10 }),
    initialInstancesOf: () => 1,
    onChange: (service) => changed.push(service),
    logger: pino({ level: 'silent' }),
  });
  return { store, running, published, changed, reconciler };
}

async function conflict(p: Promise<unknown>): Promise<string> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(MlaasError);
  expect((err as MlaasError).code).toBe('ADMIN_CONFLICT');
  return (err as MlaasError).message;
}

describe('RevisionReconciler deletions', () => {
  it('refuses to delete a revision that traffic holds, naming what holds it, and deletes one nothing holds', async () => {
    const { store, reconciler, running } = setup();
    store.upsertService('s', {});
    for (let i = 0; i < 4; i++) await reconciler.deploy('s', {});
    await reconciler.setTraffic('s', { targets: [{ revision: 's-00001', percent: 60 }, { latestRevision: true, percent: 40 }, { revision: 's-00002', percent: 0, tag: 'old' }], sticky: false });
    expect(await conflict(reconciler.deleteRevision('s-00001'))).toBe('revision s-00001 has traffic of service s: 60%; move it first (mlaas traffic s …)');
    expect(await conflict(reconciler.deleteRevision('s-00002'))).toBe('revision s-00002 has traffic of service s: tag old; move it first (mlaas traffic s …)');
    expect(await conflict(reconciler.deleteRevision('s-00004'))).toContain('40% (latestRevision)');
    await reconciler.deleteRevision('s-00003', 'cli');
    expect(store.listRevisions('s').map((r) => r.name)).toEqual(['s-00001', 's-00002', 's-00004']);
    expect(store.listAudit({ limit: 1 })[0]).toMatchObject({ actor: 'cli', action: 'revision.delete', target: 'revision/s-00003' });
    expect([...running.keys()].sort()).toEqual(['s-00001', 's-00002', 's-00004']);
    const unknown = await reconciler.deleteRevision('s-00009').catch((e: unknown) => e);
    expect(unknown).toMatchObject({ code: 'ADMIN_NOT_FOUND', message: 'no revision s-00009' });
  });

  it('records when a revision lost its traffic, and tells of each change', async () => {
    const { store, reconciler, changed } = setup();
    await reconciler.deploy('s', {});
    await reconciler.deploy('s', {});
    expect(store.getRevision('s-00001')).toMatchObject({ state: 'retired', lastActiveAt: expect.stringMatching(/^\d{4}-/) as unknown });
    expect(store.getRevision('s-00002')?.lastActiveAt).toBeUndefined();
    expect(changed).toEqual(['s', 's']);
  });

  it('GC deletes what it picks, stopping instances it still has, audited as gc', async () => {
    const { store, reconciler, running } = setup();
    await reconciler.deploy('s', {});
    await reconciler.deploy('s', {});
    running.set('s-00001', 1); // an instance left behind
    expect(await reconciler.collect('s', (revs) => revs.filter((r) => r.name === 's-00001'))).toEqual(['s-00001']);
    expect(running.has('s-00001')).toBe(false);
    expect(store.getRevision('s-00001')).toBeUndefined();
    expect(store.listAudit({ limit: 1 })[0]).toMatchObject({ actor: 'gc', action: 'revision.delete' });
  });

  it('deletes a service: unrouted, instances stopped, revisions and traffic gone', async () => {
    const { store, reconciler, running, published } = setup();
    store.upsertService('s', {});
    await reconciler.deploy('s', {});
    await reconciler.deploy('s', {}, { tag: 'next' });
    expect(await reconciler.deleteService('s', 'cli')).toEqual(['s-00001', 's-00002']);
    expect(published.at(-1)).toEqual(['s', undefined]);
    expect(running.size).toBe(0);
    expect(store.getService('s')).toBeUndefined();
    expect(store.listRevisions('s')).toEqual([]);
    expect(store.getTraffic('s')).toBeUndefined();
    await expect(reconciler.deleteService('s')).rejects.toMatchObject({ code: 'ADMIN_NOT_FOUND', message: 'no service s' });
  });
});
