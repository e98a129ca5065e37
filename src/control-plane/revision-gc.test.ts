import { describe, expect, it } from 'vitest';
import { DEFAULT_REVISION_GC, revisionsToCollect, type RevisionGcSettings } from './revision-gc.js';
import type { RevisionRecord, TrafficPolicy } from '../state/state-store.js';

const HOUR = 3_600_000;
const NOW = new Date('2026-01-10T00:00:00.000Z');
const ago = (ms: number): string => new Date(NOW.getTime() - ms).toISOString();

/** Revision n of `svc`, created `createdHoursAgo` ago, inactive since `inactiveHoursAgo` (never active when absent). */
function rev(n: number, createdHoursAgo: number, inactiveHoursAgo?: number, state: RevisionRecord['state'] = 'retired'): RevisionRecord {
  return {
    name: `svc-${String(n).padStart(5, '0')}`,
    service: 'svc',
    number: n,
    spec: {},
    createdAt: ago(createdHoursAgo * HOUR),
    state,
    ...(inactiveHoursAgo === undefined ? {} : { lastActiveAt: ago(inactiveHoursAgo * HOUR) }),
  };
}

const latest: TrafficPolicy = { targets: [{ latestRevision: true, percent: 100 }], sticky: false };
const settings = (s: Partial<RevisionGcSettings>): RevisionGcSettings => ({ ...DEFAULT_REVISION_GC, ...s });
const names = (revs: RevisionRecord[]): string[] => revs.map((r) => r.name);

describe('revisionsToCollect (Knative config-gc)', () => {
  it('keeps minNonActiveRevisions of the most recently active, deleting the stale rest', () => {
    const revs = [rev(1, 100, 90), rev(2, 100, 80), rev(3, 100, 70), rev(4, 100, 60), rev(5, 100, undefined, 'ready')];
    expect(names(revisionsToCollect(revs, latest, settings({ minNonActiveRevisions: 1 }), NOW))).toEqual(['svc-00001', 'svc-00002', 'svc-00003']);
    expect(revisionsToCollect(revs, latest, settings({ minNonActiveRevisions: 4 }), NOW)).toEqual([]);
  });

  it('with Knative defaults keeps 20 non-active revisions however old', () => {
    const revs = [...Array.from({ length: 25 }, (_, i) => rev(i + 1, 1000, 1000 - i)), rev(26, 1, undefined, 'ready')];
    expect(names(revisionsToCollect(revs, latest, DEFAULT_REVISION_GC, NOW))).toEqual(['svc-00001', 'svc-00002', 'svc-00003', 'svc-00004', 'svc-00005']);
  });

  it('keeps a revision created or active within the retain windows', () => {
    const revs = [rev(1, 50, 16), rev(2, 47, 16), rev(3, 50, 14), rev(4, 1, undefined, 'ready')];
    expect(names(revisionsToCollect(revs, latest, settings({ minNonActiveRevisions: 0 }), NOW))).toEqual(['svc-00001']);
    // Never active: creation counts as its last activity.
    expect(names(revisionsToCollect([rev(1, 50), rev(2, 1, undefined, 'ready')], latest, settings({ minNonActiveRevisions: 0 }), NOW))).toEqual(['svc-00001']);
  });

  it('never collects what traffic holds: a percent, a tag, the latest ready or latest created, one being deployed', () => {
    const policy: TrafficPolicy = {
      targets: [{ revision: 'svc-00001', percent: 50 }, { latestRevision: true, percent: 50 }, { revision: 'svc-00002', percent: 0, tag: 'old' }],
      sticky: false,
    };
    const revs = [rev(1, 100, undefined, 'ready'), rev(2, 100, 90), rev(3, 100, 90), rev(4, 100, 90, 'ready'), rev(5, 100, 90, 'pending'), rev(6, 100, 90, 'failed')];
    expect(names(revisionsToCollect(revs, policy, settings({ minNonActiveRevisions: 0 }), NOW))).toEqual(['svc-00003']);
  });

  it('bounds the rest by maxNonActiveRevisions, deleting the least recently active; disabled keeps them', () => {
    const revs = [rev(1, 1, 0.5), rev(2, 1, 0.4), rev(3, 1, 0.3), rev(4, 1, 0.2), rev(5, 0, undefined, 'ready')];
    expect(names(revisionsToCollect(revs, latest, settings({ minNonActiveRevisions: 0, maxNonActiveRevisions: 2 }), NOW))).toEqual(['svc-00001', 'svc-00002']);
    expect(revisionsToCollect(revs, latest, settings({ minNonActiveRevisions: 0, maxNonActiveRevisions: 'disabled' }), NOW)).toEqual([]);
  });

  it('with both retain times disabled nothing is stale, and with everything disabled nothing is collected', () => {
    const revs = [rev(1, 1000, 1000), rev(2, 1000, 1000), rev(3, 0, undefined, 'ready')];
    const noTimes = settings({ minNonActiveRevisions: 0, retainSinceCreateTime: 'disabled', retainSinceLastActiveTime: 'disabled' });
    expect(names(revisionsToCollect(revs, latest, { ...noTimes, maxNonActiveRevisions: 1 }, NOW))).toEqual(['svc-00001']);
    expect(revisionsToCollect(revs, latest, { ...noTimes, maxNonActiveRevisions: 'disabled' }, NOW)).toEqual([]);
    // One retain time disabled: only the other one counts.
    expect(names(revisionsToCollect(revs, latest, settings({ minNonActiveRevisions: 0, retainSinceCreateTime: 'disabled' }), NOW))).toEqual(['svc-00001', 'svc-00002']);
  });
});
