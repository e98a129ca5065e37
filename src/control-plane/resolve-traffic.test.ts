import { describe, expect, it } from 'vitest';
import { resolveTraffic, validateTraffic } from './resolve-traffic.js';
import type { RevisionRecord, TrafficPolicy } from '../state/state-store.js';

const rev = (n: number): RevisionRecord => ({ name: `spam-0000${n}`, service: 'spam', number: n, spec: {}, createdAt: '', state: 'ready' });
const revisions = [rev(1), rev(2)];
const targets = [
  { revision: 'spam-00001', percent: 100 },
  { revision: 'spam-00002', percent: 0, tag: 'canary' },
];

function issues(policy: TrafficPolicy): unknown {
  try {
    validateTraffic('spam', policy, revisions);
  } catch (err) {
    return (err as { errors?: unknown }).errors;
  }
  return [];
}

describe('traffic routing rules and mirror', () => {
  it('accepts tenant rules, a routing flag and a mirror that name tags of the policy, and resolves them', () => {
    const policy: TrafficPolicy = { targets, sticky: false, tenantTags: { acme: 'canary' }, flagTag: 'new-model', mirror: { tag: 'canary', percent: 10 } };
    expect(issues(policy)).toEqual([]);
    expect(resolveTraffic('spam', policy, revisions)).toMatchObject({ tenantTags: { acme: 'canary' }, flagTag: 'new-model', mirror: { tag: 'canary', percent: 10 } });
  });

  it('reports every rule that names no tag, a bad tenant id and a mirror share out of range, by path', () => {
    expect(
      issues({ targets, sticky: false, tenantTags: { acme: 'beta', 'Bad Id': 'canary' }, flagTag: ' ', mirror: { tag: 'nope', percent: 0 } }),
    ).toEqual([
      { path: 'traffic.tenantTags.acme', message: 'expected a tag of this policy (canary), got "beta"' },
      { path: 'traffic.tenantTags.Bad Id', message: 'expected a tenant id (DNS label), got "Bad Id"' },
      { path: 'traffic.flagTag', message: 'expected a flag key, got an empty string' },
      { path: 'traffic.mirror.tag', message: 'expected a tag of this policy (canary), got "nope"' },
      { path: 'traffic.mirror.percent', message: 'expected a number > 0 and ≤ 100, got 0' },
    ]);
  });
});
