/**
 * A traffic policy resolved to concrete revisions, Knative's way: a
 * `latestRevision` target follows the newest revision that has been ready.
 * Pure, over the resource model's records: the control plane resolves what
 * it deploys, and a gateway in another process what it reads from the store.
 */
import type { RevisionRecord } from './revision.js';
import type { ResolvedTarget, ResolvedTraffic, TrafficPolicy } from './traffic.js';

/** The policy a new service starts with: everything to the latest ready revision. */
export const DEFAULT_TRAFFIC: TrafficPolicy = Object.freeze({
  targets: [{ latestRevision: true, percent: 100 }],
  sticky: false,
}) as TrafficPolicy;

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

/** The newest revision that has been ready (and not failed since): what `latestRevision` follows. */
export function latestReadyRevision(revisions: readonly RevisionRecord[]): RevisionRecord | undefined {
  let latest: RevisionRecord | undefined;
  for (const r of revisions) {
    if ((r.state === 'ready' || r.state === 'retired') && (latest === undefined || r.number > latest.number)) latest = r;
  }
  return latest;
}
