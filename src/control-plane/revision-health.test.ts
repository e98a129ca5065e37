import { describe, expect, it } from 'vitest';
import { FakeStateStore } from '../state/fake-state-store.js';
import { revisionHealth } from './revision-health.js';

describe('revisionHealth', () => {
  it('marks a ready revision failed after three failures in a row, and ready again when it recovers', () => {
    const store = new FakeStateStore();
    const rev = store.createRevision('spam', {});
    store.setRevisionState(rev.name, 'ready');
    const health = revisionHealth(store);

    health.failed(rev.name, 'exited with code 1', 1);
    health.failed(rev.name, 'exited with code 1', 2);
    expect(store.getRevision(rev.name)?.state).toBe('ready');
    health.failed(rev.name, 'exited with code 1', 3);
    expect(store.getRevision(rev.name)).toMatchObject({ state: 'failed', reason: expect.stringContaining('crash loop: exited with code 1') });

    health.readyChanged(rev.name, 1);
    expect(store.getRevision(rev.name)?.state).toBe('ready');
  });

  it('leaves a revision that failed for another reason alone', () => {
    const store = new FakeStateStore();
    const rev = store.createRevision('spam', {});
    store.setRevisionState(rev.name, 'failed', 'digest mismatch');
    revisionHealth(store).readyChanged(rev.name, 1);
    expect(store.getRevision(rev.name)?.state).toBe('failed');
  });
});
