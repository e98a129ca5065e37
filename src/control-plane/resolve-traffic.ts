/**
 * Traffic policies with Knative's rules: targets name a revision or follow
 * the latest ready one, percents are whole numbers that sum to 100, tags are
 * unique. Beyond Knative: tenant rules and a flag that route to tags, and a
 * mirror, each naming a tag of the policy. `validateTraffic` collects every
 * problem with its field path; `resolveTraffic` (api/traffic-resolution.ts)
 * turns a valid policy into concrete revisions.
 */
import { MlaasError, type FieldIssue } from '../errors.js';
import type { ResolvedTraffic } from '../api/traffic.js';
import type { RevisionRecord, TrafficPolicy } from '../state/state-store.js';

export type { ResolvedTarget, ResolvedTraffic } from '../api/traffic.js';
// Resolution is the resource model's, for gateways in other processes resolve too (api/gateway-snapshot.ts).
export { DEFAULT_TRAFFIC, latestReadyRevision, resolveTraffic } from '../api/traffic-resolution.js';

const TAG = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function validateTraffic(service: string, policy: TrafficPolicy, revisions: readonly RevisionRecord[]): void {
  const issues: FieldIssue[] = [];
  const known = new Map(revisions.map((r) => [r.name, r]));
  const tags = new Set<string>();
  let sum = 0;
  policy.targets.forEach((t, i) => {
    const at = `traffic.targets[${i}]`;
    if (t.latestRevision === true && t.revision !== undefined) {
      issues.push({ path: at, message: 'expected either revision or latestRevision: true, got both' });
    } else if (t.latestRevision !== true && t.revision === undefined) {
      issues.push({ path: at, message: 'expected a revision or latestRevision: true, got neither' });
    }
    if (t.revision !== undefined) {
      const rev = known.get(t.revision);
      if (rev === undefined) issues.push({ path: `${at}.revision`, message: `no revision ${t.revision} of service ${service}` });
      else if (rev.state === 'failed') {
        issues.push({ path: `${at}.revision`, message: `revision ${t.revision} failed (${rev.reason ?? 'no reason'}) and cannot take traffic` });
      }
    }
    if (!Number.isInteger(t.percent) || t.percent < 0 || t.percent > 100) {
      issues.push({ path: `${at}.percent`, message: `expected a whole number 0–100, got ${t.percent}` });
    } else sum += t.percent;
    if (t.tag !== undefined) {
      if (!TAG.test(t.tag)) issues.push({ path: `${at}.tag`, message: `expected a DNS label, got ${JSON.stringify(t.tag)}` });
      else if (tags.has(t.tag)) issues.push({ path: `${at}.tag`, message: `tag ${t.tag} is used by another target` });
      tags.add(t.tag);
    }
  });
  if (issues.length === 0 && sum !== 100) {
    issues.push({ path: 'traffic.targets', message: `percents must sum to 100, got ${sum}` });
  }
  issues.push(...routingIssues(policy, tags));
  if (issues.length > 0) {
    throw new MlaasError('TRAFFIC_INVALID', `traffic for ${service} is invalid`, { errors: issues });
  }
}

/** Tenant rules, the flag and the mirror: each must name a tag the targets define. */
function routingIssues(policy: TrafficPolicy, tags: ReadonlySet<string>): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const known = tags.size === 0 ? 'none' : [...tags].join(', ');
  for (const [tenant, tag] of Object.entries(policy.tenantTags ?? {})) {
    const at = `traffic.tenantTags.${tenant}`;
    if (!TAG.test(tenant)) issues.push({ path: at, message: `expected a tenant id (DNS label), got ${JSON.stringify(tenant)}` });
    else if (!tags.has(tag)) issues.push({ path: at, message: `expected a tag of this policy (${known}), got ${JSON.stringify(tag)}` });
  }
  if (policy.flagTag !== undefined && policy.flagTag.trim() === '') {
    issues.push({ path: 'traffic.flagTag', message: 'expected a flag key, got an empty string' });
  }
  if (policy.mirror !== undefined) {
    const { tag, percent } = policy.mirror;
    if (!tags.has(tag)) issues.push({ path: 'traffic.mirror.tag', message: `expected a tag of this policy (${known}), got ${JSON.stringify(tag)}` });
    if (!(percent > 0 && percent <= 100)) issues.push({ path: 'traffic.mirror.percent', message: `expected a number > 0 and ≤ 100, got ${percent}` });
  }
  return issues;
}

/** The revision that serves 100% of a resolved policy, if one does. */
export function fullTrafficRevision(traffic: ResolvedTraffic): string | undefined {
  const serving = traffic.targets.filter((t) => t.percent > 0);
  return serving.length === 1 && serving[0]?.percent === 100 ? serving[0].revision : undefined;
}
