import { describe, expect, it } from 'vitest';
import { thrownIssues } from '../../test/thrown-issues.js';
import { patchTraffic } from './patch-traffic.js';
import type { TrafficPolicy } from '../state/state-store.js';

const split = (targets: TrafficPolicy['targets'], extra: Partial<TrafficPolicy> = {}): TrafficPolicy => ({ targets, sticky: false, ...extra });

describe('patchTraffic', () => {
  it('gives a third revision 20% of a 50/50 split by taking it from the others proportionally: 20/40/40', () => {
    const policy = split([{ revision: 'a', percent: 50 }, { revision: 'b', percent: 50 }]);
    expect(patchTraffic(policy, { toRevisions: { c: 20 } }).targets).toEqual([
      { revision: 'a', percent: 40 },
      { revision: 'b', percent: 40 },
      { revision: 'c', percent: 20 },
    ]);
  });

  it('rounds by largest remainder, ties to the larger share, then the first target, and always sums to 100', () => {
    const policy = split([{ revision: 'a', percent: 50 }, { revision: 'b', percent: 30 }, { revision: 'c', percent: 20 }]);
    // 90 left over 50/30/20: 45, 27, 18 exactly.
    expect(patchTraffic(policy, { toRevisions: { d: 10 } }).targets.map((t) => t.percent)).toEqual([45, 27, 18, 10]);
    // 93 left: 46.5, 27.9, 18.6 → 46, 27, 18 plus the 2 missing points to .9 and .6.
    expect(patchTraffic(policy, { toRevisions: { d: 7 } }).targets.map((t) => t.percent)).toEqual([46, 28, 19, 7]);
    const thirds = split([{ revision: 'a', percent: 34 }, { revision: 'b', percent: 33 }, { revision: 'c', percent: 33 }]);
    // 99 over 34/33/33: 33.66, 32.67, 32.67 → floors 33, 32, 32; 2 points: b and c (.67) before a (.66).
    expect(patchTraffic(thirds, { toRevisions: { d: 1 } }).targets.map((t) => t.percent)).toEqual([33, 33, 33, 1]);
    const even = split([{ revision: 'a', percent: 50 }, { revision: 'b', percent: 50 }]);
    expect(patchTraffic(even, { toRevisions: { c: 1 } }).targets.map((t) => t.percent)).toEqual([50, 49, 1]);
  });

  it('sets a revision that already serves to its new share and drops a target brought to 0', () => {
    const policy = split([{ revision: 'a', percent: 80 }, { revision: 'b', percent: 20 }]);
    expect(patchTraffic(policy, { toRevisions: { b: 50 } }).targets).toEqual([{ revision: 'a', percent: 50 }, { revision: 'b', percent: 50 }]);
    expect(patchTraffic(policy, { toRevisions: { b: 0 } }).targets).toEqual([{ revision: 'a', percent: 100 }]);
  });

  it('keeps tags, tenant rules, flag routing and mirror unless changed by their own fields', () => {
    const policy = split(
      [{ latestRevision: true, percent: 100 }, { revision: 'a', percent: 0, tag: 'canary' }],
      { sticky: true, tenantTags: { acme: 'canary' }, flagTag: 'model', mirror: { tag: 'canary', percent: 5 } },
    );
    const patched = patchTraffic(policy, { toRevisions: { a: 10 } });
    expect(patched).toEqual({
      targets: [{ latestRevision: true, percent: 90 }, { revision: 'a', percent: 10, tag: 'canary' }],
      sticky: true,
      tenantTags: { acme: 'canary' },
      flagTag: 'model',
      mirror: { tag: 'canary', percent: 5 },
    });
  });

  it('--to-latest sends 100% to the latest revision and keeps every tag', () => {
    const policy = split([{ revision: 'a', percent: 70, tag: 'stable' }, { revision: 'b', percent: 30, tag: 'canary' }]);
    expect(patchTraffic(policy, { toLatest: true }).targets).toEqual([
      { latestRevision: true, percent: 100 },
      { revision: 'b', percent: 0, tag: 'canary' },
      { revision: 'a', percent: 0, tag: 'stable' },
    ]);
  });

  it('gives a share by tag, and LATEST names the latest ready revision', () => {
    const policy = split([{ latestRevision: true, percent: 100 }, { revision: 'b', percent: 0, tag: 'canary' }]);
    expect(patchTraffic(policy, { toTags: { canary: 10 } }).targets).toEqual([
      { latestRevision: true, percent: 90 },
      { revision: 'b', percent: 10, tag: 'canary' },
    ]);
    expect(patchTraffic(split([{ revision: 'b', percent: 100 }]), { toRevisions: { LATEST: 100 } }).targets).toEqual([{ latestRevision: true, percent: 100 }]);
  });

  it('adds, moves, removes and clears tags', () => {
    const policy = split([{ revision: 'a', percent: 100, tag: 'stable' }, { revision: 'b', percent: 0, tag: 'canary' }]);
    expect(patchTraffic(policy, { updateTags: { canary: 'c', next: 'LATEST' } }).targets).toEqual([
      { revision: 'a', percent: 100, tag: 'stable' },
      { revision: 'c', percent: 0, tag: 'canary' },
      { latestRevision: true, percent: 0, tag: 'next' },
    ]);
    expect(patchTraffic(policy, { removeTags: ['canary'] }).targets).toEqual([{ revision: 'a', percent: 100, tag: 'stable' }]);
    expect(patchTraffic(policy, { clearTags: true, updateTags: { only: 'b' } }).targets).toEqual([
      { revision: 'a', percent: 100 },
      { revision: 'b', percent: 0, tag: 'only' },
    ]);
  });

  it('merges tenant rules and replaces the flag and mirror when given', () => {
    const policy = split([{ revision: 'a', percent: 100, tag: 'x' }], { tenantTags: { acme: 'x' }, flagTag: 'f', mirror: { tag: 'x', percent: 1 } });
    expect(patchTraffic(policy, { tenantTags: { beta: 'x' }, flagTag: 'g', mirror: { tag: 'x', percent: 50 }, sticky: true })).toMatchObject({
      tenantTags: { acme: 'x', beta: 'x' },
      flagTag: 'g',
      mirror: { tag: 'x', percent: 50 },
      sticky: true,
    });
  });

  it('removes tenant rules, the flag and the mirror when asked', () => {
    const policy = split([{ revision: 'a', percent: 100, tag: 'x' }], { tenantTags: { acme: 'x', beta: 'x' }, flagTag: 'f', mirror: { tag: 'x', percent: 1 } });
    expect(patchTraffic(policy, { removeTenantTags: ['acme'], flagTag: null, mirror: null })).toEqual({
      targets: [{ revision: 'a', percent: 100, tag: 'x' }],
      sticky: false,
      tenantTags: { beta: 'x' },
    });
    expect(patchTraffic(policy, { clearTenantTags: true }).tenantTags).toBeUndefined();
  });

  it('refuses shares over 100, a remainder nobody can take, unknown tags and bad percents, naming each field', () => {
    const policy = split([{ revision: 'a', percent: 100, tag: 'stable' }]);
    expect(thrownIssues(() => patchTraffic(policy, { toRevisions: { b: 60, c: 50 } }))).toEqual(['toRevisions: percents must sum to at most 100, got 110']);
    expect(thrownIssues(() => patchTraffic(policy, { toRevisions: { a: 50 } }))).toEqual([
      'toRevisions: no other target serves traffic to take the remaining 50%: give percents that sum to 100, got 50',
    ]);
    expect(thrownIssues(() => patchTraffic(policy, { toTags: { nope: 10 }, removeTags: ['gone'], toRevisions: { b: 1.5 } }))).toEqual([
      'removeTags.gone: expected a tag of this service (stable), got gone',
      'toRevisions.b: expected a whole number 0–100, got 1.5',
      'toTags.nope: expected a tag of this service (stable), got nope',
    ]);
  });
});
