import { describe, expect, it } from 'vitest';
import { changedSinceApplied, declarationOf, resourceOf } from './declared-state.js';
import { FakeStateStore } from '../state/fake-state-store.js';
import type { Change, DesiredState } from './plan-changes.js';

const desired: DesiredState = {
  services: {
    echo: {
      spec: { command: ['node', 'server.mjs'], env: { FOO: 'bar' } },
      revision: { artifact: { digest: 'sha256:a' } },
      needsRevision: true,
      traffic: { targets: [{ latestRevision: true, percent: 100 }], sticky: false },
    },
  },
  tenants: { acme: { displayName: 'Acme', config: { language: 'en' } } },
  aliases: [],
  gateway: { title: '', operations: [] },
};

const plan: Change[] = [
  { action: 'update', kind: 'service', name: 'echo', fields: [{ path: 'env.FOO', old: 'cli', new: 'bar' }] },
  { action: 'create', kind: 'revision', name: 'echo' },
  { action: 'update', kind: 'traffic', name: 'echo' },
  { action: 'update', kind: 'tenant', name: 'acme' },
  { action: 'create', kind: 'route', name: 'POST /v1/echo' },
  { action: 'leave', kind: 'tenant', name: 'gone' },
];

describe('changedSinceApplied (what mlaas up applies)', () => {
  it('applies every change the first time, but never what the files do not declare', () => {
    expect(changedSinceApplied(plan, desired, new FakeStateStore()).map(resourceOf)).toEqual([
      'service/echo',
      'revision/echo',
      'traffic/echo',
      'tenant/acme',
      'route/POST /v1/echo',
    ]);
  });

  it('skips a drift whose declaration is what was last applied: the CLI changed it since, and that stays', () => {
    const store = new FakeStateStore();
    for (const c of plan.slice(0, 4)) store.setApplied(resourceOf(c), declarationOf(desired, c));
    expect(changedSinceApplied(plan, desired, store).map(resourceOf)).toEqual(['route/POST /v1/echo']);
    store.setApplied('tenant/acme', { displayName: 'Acme', config: { language: 'de' } });
    expect(changedSinceApplied(plan, desired, store).map(resourceOf)).toEqual(['tenant/acme', 'route/POST /v1/echo']);
  });
});
