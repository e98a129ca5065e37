/**
 * `gcloud run services update-traffic` semantics over a stored policy: a
 * patch names only what changes, and everything else of the policy (the
 * other targets' shares, tags, tenant rules, flag routing, mirror) is kept.
 *
 * Shares: the revisions (or tags) given get exactly their percent; what is
 * left of 100 goes to the other targets that serve now, in proportion to
 * their current percents. Whole percents are kept by the largest-remainder
 * rule: each target gets the floor of its exact share, and the points still
 * missing go one each to the largest fractional parts — ties to the larger
 * current percent, then to the target that comes first in the policy — so
 * the same patch of the same policy always gives the same split.
 * `--to-latest` sends 100% to the latest ready revision and keeps the tags.
 */
import { MlaasError, type FieldIssue } from '../errors.js';
import type { TrafficPolicy, TrafficTarget } from '../state/state-store.js';

/** What `LATEST` (and a `latestRevision: true` target) stands for in a patch. */
export const LATEST = 'LATEST';

export interface TrafficPatch {
  /** Revision name (or LATEST) → percent. */
  toRevisions?: Record<string, number>;
  /** Tag → percent for the revision the tag names. */
  toTags?: Record<string, number>;
  /** 100% to the latest ready revision, following later deploys. */
  toLatest?: boolean;
  /** Tag → revision name (or LATEST): adds the tag or moves it. */
  updateTags?: Record<string, string>;
  removeTags?: string[];
  clearTags?: boolean;
  sticky?: boolean;
  /** Merged into the policy's tenant rules. */
  tenantTags?: Record<string, string>;
  /** Tenants whose rules go (before `tenantTags` is merged). */
  removeTenantTags?: string[];
  clearTenantTags?: boolean;
  /** null: no routing by a flag any more. */
  flagTag?: string | null;
  /** null: no mirror any more. */
  mirror?: { tag: string; percent: number } | null;
}

/** The policy after `patch`; throws TRAFFIC_INVALID with field paths named after the patch's fields. */
export function patchTraffic(policy: TrafficPolicy, patch: TrafficPatch): TrafficPolicy {
  const issues: FieldIssue[] = [];
  // Keys in the order the policy (then the patch) first names them: what makes ties deterministic.
  const shares = new Map<string, number>();
  const tags = new Map<string, string>();
  for (const t of policy.targets) {
    const key = keyOf(t);
    shares.set(key, (shares.get(key) ?? 0) + t.percent);
    if (t.tag !== undefined) tags.set(t.tag, key);
  }

  if (patch.clearTags === true) tags.clear();
  for (const tag of patch.removeTags ?? []) {
    if (!tags.delete(tag)) issues.push({ path: `removeTags.${tag}`, message: `expected a tag of this service (${known(tags)}), got ${tag}` });
  }
  for (const [tag, key] of Object.entries(patch.updateTags ?? {})) tags.set(tag, key);

  const assigned = new Map<string, number>();
  const assign = (key: string, percent: number, path: string): void => {
    if (!Number.isInteger(percent) || percent < 0 || percent > 100) {
      issues.push({ path, message: `expected a whole number 0–100, got ${percent}` });
    } else assigned.set(key, (assigned.get(key) ?? 0) + percent);
  };
  for (const [key, percent] of Object.entries(patch.toRevisions ?? {})) assign(key, percent, `toRevisions.${key}`);
  for (const [tag, percent] of Object.entries(patch.toTags ?? {})) {
    const key = tags.get(tag);
    if (key === undefined) issues.push({ path: `toTags.${tag}`, message: `expected a tag of this service (${known(tags)}), got ${tag}` });
    else assign(key, percent, `toTags.${tag}`);
  }

  let next: Map<string, number>;
  if (patch.toLatest === true) {
    if (assigned.size > 0) issues.push({ path: 'toLatest', message: 'expected either toLatest or percents for revisions or tags, got both' });
    next = new Map([[LATEST, 100]]);
  } else {
    next = redistribute(shares, assigned, issues);
  }
  if (issues.length > 0) throw new MlaasError('TRAFFIC_INVALID', 'the traffic change is invalid', { errors: issues });

  const result: TrafficPolicy = { targets: targetsOf(next, tags), sticky: patch.sticky ?? policy.sticky };
  const tenantTags = patch.clearTenantTags === true ? {} : { ...policy.tenantTags };
  for (const tenant of patch.removeTenantTags ?? []) delete tenantTags[tenant];
  Object.assign(tenantTags, patch.tenantTags);
  if (Object.keys(tenantTags).length > 0) result.tenantTags = tenantTags;
  const flagTag = patch.flagTag === undefined ? policy.flagTag : patch.flagTag;
  if (flagTag !== undefined && flagTag !== null) result.flagTag = flagTag;
  const mirror = patch.mirror === undefined ? policy.mirror : patch.mirror;
  if (mirror !== undefined && mirror !== null) result.mirror = mirror;
  return result;
}

/** The given shares exactly; the rest of 100 over the other serving targets, proportionally (largest remainder). */
function redistribute(current: ReadonlyMap<string, number>, assigned: ReadonlyMap<string, number>, issues: FieldIssue[]): Map<string, number> {
  const next = new Map<string, number>();
  if (assigned.size === 0) {
    for (const [key, percent] of current) if (percent > 0) next.set(key, percent);
    return next;
  }
  const given = [...assigned.values()].reduce((a, b) => a + b, 0);
  if (given > 100) {
    issues.push({ path: 'toRevisions', message: `percents must sum to at most 100, got ${given}` });
    return next;
  }
  const others = [...current].filter(([key, percent]) => percent > 0 && !assigned.has(key));
  const othersSum = others.reduce((a, [, p]) => a + p, 0);
  const left = 100 - given;
  if (left > 0 && othersSum === 0) {
    issues.push({ path: 'toRevisions', message: `no other target serves traffic to take the remaining ${left}%: give percents that sum to 100, got ${given}` });
    return next;
  }
  const exact = others.map(([key, p], order) => ({ key, p, order, share: (left * p) / othersSum }));
  const floors = new Map(exact.map((e) => [e.key, Math.floor(e.share)]));
  let missing = left - [...floors.values()].reduce((a, b) => a + b, 0);
  const byRemainder = [...exact].sort((a, b) => b.share - Math.floor(b.share) - (a.share - Math.floor(a.share)) || b.p - a.p || a.order - b.order);
  for (const e of byRemainder) {
    if (missing === 0) break;
    floors.set(e.key, (floors.get(e.key) ?? 0) + 1);
    missing--;
  }
  for (const [key] of current) {
    const percent = assigned.get(key) ?? floors.get(key) ?? 0;
    if (percent > 0) next.set(key, percent);
  }
  for (const [key, percent] of assigned) if (percent > 0 && !next.has(key)) next.set(key, percent);
  return next;
}

/** One target per serving key (carrying its first tag), then one 0% target for each further tag. */
function targetsOf(shares: ReadonlyMap<string, number>, tags: ReadonlyMap<string, string>): TrafficTarget[] {
  const tagsOf = new Map<string, string[]>();
  for (const [tag, key] of [...tags].sort(([a], [b]) => a.localeCompare(b))) tagsOf.set(key, [...(tagsOf.get(key) ?? []), tag]);
  const targets: TrafficTarget[] = [];
  for (const [key, percent] of shares) {
    const [first, ...rest] = tagsOf.get(key) ?? [];
    targets.push({ ...refOf(key), percent, ...(first === undefined ? {} : { tag: first }) });
    tagsOf.set(key, rest);
  }
  for (const [key, rest] of tagsOf) for (const tag of rest) targets.push({ ...refOf(key), percent: 0, tag });
  return targets;
}

function keyOf(t: TrafficTarget): string {
  return t.latestRevision === true ? LATEST : (t.revision ?? LATEST);
}

function refOf(key: string): Pick<TrafficTarget, 'revision' | 'latestRevision'> {
  return key === LATEST ? { latestRevision: true } : { revision: key };
}

function known(tags: ReadonlyMap<string, string>): string {
  return tags.size === 0 ? 'none' : [...tags.keys()].join(', ');
}
