/**
 * Traffic policies with Knative's rules: targets name a revision or follow
 * the latest ready one, percents are whole numbers that sum to 100, tags are
 * unique. Beyond Knative: tenant rules and a flag that route to tags, and a
 * mirror, each naming a tag of the policy. `validateTraffic` collects every
 * problem with its field path; `resolveTraffic` turns a valid policy into
 * concrete revisions.
 */
import { MlaasError, type FieldIssue } from '../errors.js';
import type { ResolvedTarget, ResolvedTraffic } from '../api/traffic.js';
import type { RevisionRecord, TrafficPolicy } from './state-store.js';

export type { ResolvedTarget, ResolvedTraffic } from '../api/traffic.js';

const TAG = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The policy a new service starts with: everything to the latest ready revision. */
export const DEFAULT_TRAFFIC: TrafficPolicy = Object.freeze({
  targets: [{ latestRevision: true, percent: 100 }],
  sticky: false,
}) as TrafficPolicy;

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

/**
 * Concrete targets of a policy; undefined while a `latestRevision` target has
 * no ready revision to follow (the service cannot serve yet).
 */
export function resolveTraffic(
  service: string,
  policy: TrafficPolicy,
  revisions: readonly RevisionRecord[],
): ResolvedTraffic | undefined {
  const latestReady = latestReadyRevision(revisions);
  const targets: ResolvedTarget[] = [];
  for (const t of policy.targets) {
    const revision = t.latestRevision === true ? latestReady?.name : t.revision;
    if (revision === undefined) {
      if (t.percent > 0) return undefined;
      continue;
    }
    const same = targets.find((x) => x.revision === revision && x.tag === undefined && t.tag === undefined);
    if (same !== undefined) same.percent += t.percent;
    else targets.push({ revision, percent: t.percent, tag: t.tag });
  }
  const resolved: ResolvedTraffic = { service, targets, sticky: policy.sticky };
  if (policy.tenantTags !== undefined) resolved.tenantTags = policy.tenantTags;
  if (policy.flagTag !== undefined) resolved.flagTag = policy.flagTag;
  if (policy.mirror !== undefined) resolved.mirror = policy.mirror;
  return resolved;
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

/** The newest revision that has been ready (and not failed since): what `latestRevision` follows. */
export function latestReadyRevision(revisions: readonly RevisionRecord[]): RevisionRecord | undefined {
  let latest: RevisionRecord | undefined;
  for (const r of revisions) {
    if ((r.state === 'ready' || r.state === 'retired') && (latest === undefined || r.number > latest.number)) latest = r;
  }
  return latest;
}

/** The revision that serves 100% of a resolved policy, if one does. */
export function fullTrafficRevision(traffic: ResolvedTraffic): string | undefined {
  const serving = traffic.targets.filter((t) => t.percent > 0);
  return serving.length === 1 && serving[0]?.percent === 100 ? serving[0].revision : undefined;
}
