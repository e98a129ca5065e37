/**
 * What HAProxy's maps must hold for one gateway snapshot: the keys it may
 * admit itself, their scopes, each tenant's `x-mlaas-config` value, the
 * revision of each tenant whose revision is decided (tenant rule, routing
 * flag, sticky split) and the percent split of everyone else, each
 * revision's timeout; and which instances each revision has. Computed with
 * the TypeScript gateway's own functions (key index, tenant config cache,
 * traffic router), so both planes decide alike; a pure function of the
 * snapshot and `now`.
 *
 * A key is left out — its requests go to the TypeScript gateway — when its
 * requests are counted against a quota (its own, its tenant's `keyQuota`
 * or its tenant's `quota`): rate limits stay in one place.
 */
import type { InstanceEndpoint } from '../api/data-plane.js';
import { ERROR_CODES } from '../errors.js';
import type { GatewaySnapshot } from '../api/gateway-snapshot.js';
import type { FlagEvaluation } from '../flags/flag-set.js';
import { TenantConfigCache, contextOf, type TenantProfile } from '../flags/tenant-config-cache.js';
import { buildKeyIndex } from '../gateway/key-index.js';
import { tagOf } from '../gateway/request-tenancy.js';
import { compileFlags } from '../gateway/snapshot-applier.js';
import { compileRouting, pickRevision, type ServiceRouting } from '../gateway/traffic-router.js';
import { emptyMaps, type MapContents } from './native-maps.js';

/** The capacity map's value: the problem a queued request that timed out gets instead of GW_NO_INSTANCE's. */
const AT_CAPACITY = `GW_AT_CAPACITY|${ERROR_CODES.GW_AT_CAPACITY.title}|${ERROR_CODES.GW_AT_CAPACITY.status}`;

export interface RevisionServers {
  service: string;
  instances: readonly InstanceEndpoint[];
  /** Requests one instance takes at once (containerConcurrency); 0: no limit. */
  concurrency: number;
}

export interface DesiredHaproxyState {
  /** Every map but `routes` (the document's), `backends` and `tokens` (the programmer's). */
  maps: MapContents;
  /** Revision → its ready instances and their limit; revisions at zero are absent. */
  revisions: Map<string, RevisionServers>;
  /** When the earliest admitted key expires (epoch ms): the state must be computed again then. */
  nextChangeAt: number | undefined;
}

/**
 * `deadlinesOf(service)`: the deadlines (ms) of the native operations that reach the service, whose
 * pairs with each of its revisions' timeouts the timeouts map holds.
 */
export function desiredHaproxyState(snapshot: GatewaySnapshot, nowMs: number, deadlinesOf: (service: string) => readonly number[]): DesiredHaproxyState {
  const maps = emptyMaps();
  const profiles = new Map<string, TenantProfile>();
  const limited = new Set<string>();
  for (const t of snapshot.tenants) {
    profiles.set(t.id, { id: t.id, config: t.config, attributes: t.attributes as TenantProfile['attributes'] });
    if (t.quota !== undefined) limited.add(t.id);
  }
  const flags = compileFlags(snapshot.flags);
  const configs = new TenantConfigCache(profiles.values(), flags);
  const tenants = new Set(profiles.keys());
  let nextChangeAt: number | undefined;
  for (const key of buildKeyIndex(snapshot.keys, snapshot.tenants).byId.values()) {
    if (key.expiresAtMs <= nowMs || key.quota !== undefined || limited.has(key.tenantId)) continue;
    if (key.expiresAtMs !== Infinity) nextChangeAt = Math.min(nextChangeAt ?? Infinity, key.expiresAtMs);
    maps.keys.set(`${key.hash}.${key.id}`, key.tenantId);
    if (key.scopes !== undefined) maps.scopes.set(key.id, 'scoped');
    for (const service of key.scopes ?? []) maps.scopes.set(`${service}/${key.id}`, '1');
    tenants.add(key.tenantId);
  }
  for (const id of tenants) maps.tenants.set(id, configs.forTenant(id).header);

  for (const traffic of snapshot.traffic.values()) {
    const routing = compileRouting(traffic);
    // Shadow copies are the TypeScript gateway's: a mirrored service is served there whole.
    if (routing.mirror !== undefined || routing.revisions.length === 0) continue;
    for (let bucket = 0; bucket < 100; bucket++) maps.split.set(`${routing.service}/${bucket}`, revisionAt(routing, bucket));
    for (const tenant of tenants) {
      const pinned = decidedRevision(routing, tenant, () => flags.evaluate(routing.flagTag as string, contextOf(tenant, profiles.get(tenant))));
      if (pinned !== undefined) maps.pins.set(`${routing.service}/${tenant}`, pinned);
    }
  }

  const serviceOf = new Map<string, string>();
  for (const traffic of snapshot.traffic.values()) for (const t of traffic.targets) serviceOf.set(t.revision, traffic.service);
  const revisions = new Map<string, RevisionServers>();
  for (const [revision, limits] of snapshot.limits) {
    const instances = snapshot.instances.get(revision);
    const service = serviceOf.get(revision);
    if (instances === undefined || instances.length === 0 || service === undefined) continue;
    for (const deadline of deadlinesOf(service)) maps.timeouts.set(`${deadline}/${revision}`, String(Math.min(deadline, limits.timeoutMs)));
    revisions.set(revision, { service, instances, concurrency: limits.concurrency });
    if (instances.length >= limits.maxInstances) maps.capacity.set(revision, AT_CAPACITY);
  }
  return { maps, revisions, nextChangeAt };
}

/** The revision of the split's percent `bucket` (0…99), as the router's random point in [bucket, bucket + 1) picks it. */
function revisionAt(routing: ServiceRouting, bucket: number): string {
  const i = routing.bounds.findIndex((b) => bucket < b);
  return routing.revisions[i < 0 ? routing.revisions.length - 1 : i] as string;
}

/** The tenant's revision where it does not depend on the request: its rule, its routing flag's tag, the sticky split. */
function decidedRevision(routing: ServiceRouting, tenant: string, flag: () => FlagEvaluation): string | undefined {
  const ruled = routing.byTenant.get(tenant);
  if (ruled !== undefined) return ruled;
  if (routing.flagTag !== undefined) {
    const tag = tagOf(flag(), routing.byTag);
    if (tag !== undefined) return routing.byTag.get(tag);
  }
  return routing.sticky ? pickRevision(routing, tenant, Math.random) : undefined;
}
