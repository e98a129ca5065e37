/**
 * Picks the revision a request goes to, from a service's resolved traffic:
 * a tag when the request names one (a `mlaas://SERVICE@TAG` backend, or
 * `x-mlaas-tag` — on a service with tenant rules only from a key allowed
 * tags), then the tenant rules and the routing flag (see
 * request-tenancy.ts), else the weighted split — at random, or by a hash of
 * tenant and service when the split is sticky, so a tenant always lands on
 * the same revision. Compiled once per traffic change; picking allocates nothing.
 */
import type { ResolvedTraffic } from '../api/traffic.js';

export interface ServiceRouting {
  service: string;
  byTag: ReadonlyMap<string, string>;
  /** Revisions with traffic and their cumulative upper bounds in [0, 100). */
  revisions: readonly string[];
  bounds: readonly number[];
  sticky: boolean;
  /** Tenant id → revision, from the policy's tenant rules. */
  byTenant: ReadonlyMap<string, string>;
  /** The flag whose value (or variant) for a tenant names a tag. */
  flagTag: string | undefined;
  /** Shadow traffic: the revision copies go to and the share of requests, in [0, 1]. */
  mirror: { tag: string; revision: string; fraction: number } | undefined;
}

export function compileRouting(traffic: ResolvedTraffic): ServiceRouting {
  const byTag = new Map<string, string>();
  const revisions: string[] = [];
  const bounds: number[] = [];
  let acc = 0;
  for (const t of traffic.targets) {
    if (t.tag !== undefined) byTag.set(t.tag, t.revision);
    if (t.percent <= 0) continue;
    acc += t.percent;
    revisions.push(t.revision);
    bounds.push(acc);
  }
  const byTenant = new Map<string, string>();
  for (const [tenant, tag] of Object.entries(traffic.tenantTags ?? {})) {
    const revision = byTag.get(tag);
    if (revision !== undefined) byTenant.set(tenant, revision);
  }
  const mirrorRevision = traffic.mirror === undefined ? undefined : byTag.get(traffic.mirror.tag);
  const mirror =
    traffic.mirror === undefined || mirrorRevision === undefined
      ? undefined
      : { tag: traffic.mirror.tag, revision: mirrorRevision, fraction: traffic.mirror.percent / 100 };
  return { service: traffic.service, byTag, revisions, bounds, sticky: traffic.sticky, byTenant, flagTag: traffic.flagTag, mirror };
}

/**
 * @param random - a number in [0, 1), injected so tests can seed it
 * @returns the revision name, or undefined when nothing has traffic
 */
export function pickRevision(routing: ServiceRouting, tenantId: string | undefined, random: () => number): string | undefined {
  const n = routing.revisions.length;
  if (n <= 1) return routing.revisions[0];
  const point =
    routing.sticky && tenantId !== undefined ? (stickyHash(tenantId, routing.service) % 10_000) / 100 : random() * 100;
  for (let i = 0; i < n; i++) {
    if (point < (routing.bounds[i] as number)) return routing.revisions[i];
  }
  return routing.revisions[n - 1];
}

/** FNV-1a over `tenant/service`: stable across restarts and processes, unlike a seeded random. */
export function stickyHash(tenantId: string, service: string): number {
  let h = 0x811c9dc5;
  const s = `${tenantId}/${service}`;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
