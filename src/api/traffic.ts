/**
 * Traffic: a service's routing policy over its revisions with Knative's
 * target fields (revision or latestRevision, percent, tag) plus mlaas's tenant
 * rules, flag routing and mirror; and the policy resolved to concrete
 * revisions, which is what the gateway routes by.
 */

/** One entry of a service's traffic policy, with Knative's fields. */
export interface TrafficTarget {
  /** A fixed revision; absent when `latestRevision` is true. */
  revision?: string;
  /** Follows the service's newest ready revision. */
  latestRevision?: boolean;
  percent: number;
  /** Makes the target reachable by `x-mlaas-tag: TAG` and `mlaas://SERVICE@TAG/…`. */
  tag?: string;
}

export interface TrafficPolicy {
  targets: TrafficTarget[];
  /** Same tenant, same revision: the split is by a hash of tenant and service instead of at random. */
  sticky: boolean;
  /** Tenant id → tag: these tenants always reach the tagged revision, before any split. */
  tenantTags?: Record<string, string>;
  /**
   * A flag whose value (or variant name) for the tenant names a tag; checked
   * after `tenantTags`, before the split. A value naming no tag falls through
   * to the split, so a flag's fractional rollout by tenant is a canary.
   */
  flagTag?: string;
  /** Shadow traffic: copy `percent` of requests to the tagged revision; its answers are compared, never returned. */
  mirror?: { tag: string; percent: number };
}

/** A target of a resolved policy: always a concrete revision. */
export interface ResolvedTarget {
  revision: string;
  percent: number;
  tag: string | undefined;
}

export interface ResolvedTraffic {
  service: string;
  targets: ResolvedTarget[];
  sticky: boolean;
  tenantTags?: Readonly<Record<string, string>>;
  flagTag?: string;
  mirror?: { tag: string; percent: number };
}
