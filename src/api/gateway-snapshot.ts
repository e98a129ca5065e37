/**
 * The snapshot a gateway serves from: keys, tenants, flags, each service's
 * overridable settings and resolved traffic, each revision's limits and
 * ready instance endpoints, and the control plane's activator — everything
 * it consults per request that does not come from the gateway document.
 * `readGatewaySnapshot` builds it from whatever store holds the state
 * (SQLite, PostgreSQL, a fake): `mlaas gateway` rebuilds it on each store
 * change and swaps it whole (gateway/snapshot-applier.ts); `mlaas up` reads
 * its tenancy part the same way after each admin change.
 *
 * The shared module of both planes: it reads through `GatewayStateSource`,
 * which the control plane's StateStore satisfies, and imports neither plane.
 */
import type { ActivatorEndpoint, InstanceEndpoint, ReadyInstances } from './data-plane.js';
import type { JsonObject } from './json-object.js';
import type { KeyRecord } from './key.js';
import type { RevisionRecord } from './revision.js';
import { revisionLimits, type RevisionLimits } from './revision-limits.js';
import type { ServiceRecord } from './service.js';
import type { TenantRecord } from './tenant.js';
import type { ResolvedTraffic, TrafficPolicy } from './traffic.js';
import { DEFAULT_TRAFFIC, resolveTraffic } from './traffic-resolution.js';

/** The reads a gateway makes of the state store. */
export interface GatewayStateSource {
  listKeys(): KeyRecord[];
  listTenants(): TenantRecord[];
  getFlags(): JsonObject | undefined;
  listServices(): ServiceRecord[];
  getTraffic(service: string): TrafficPolicy | undefined;
  listRevisions(service?: string): RevisionRecord[];
  listReadyInstances(): ReadyInstances[];
  getActivator(): ActivatorEndpoint | undefined;
  onChange(listener: () => void): () => void;
}

/** Who may call, and what each tenant's requests carry. */
export interface GatewayTenancy {
  keys: KeyRecord[];
  tenants: TenantRecord[];
  /** The flagd document; undefined until one is set. */
  flags: JsonObject | undefined;
  /** Service → the `x-mlaas-config` keys a request may override (`services.S.overridable`). */
  overridable: Map<string, string[]>;
}

/** Where each service's requests go. */
export interface GatewayRouting {
  /** Service → its traffic resolved to revisions; a service that cannot serve yet is absent. */
  traffic: Map<string, ResolvedTraffic>;
  /** Revision (each one with traffic or a tag) → what the activator holds it to. */
  limits: Map<string, RevisionLimits>;
  /** Revision → its ready instances; a revision at zero is absent. */
  instances: Map<string, InstanceEndpoint[]>;
  /** Where requests for a revision at zero go; undefined while no control plane runs. */
  activator: ActivatorEndpoint | undefined;
}

export interface GatewaySnapshot extends GatewayTenancy, GatewayRouting {}

export function readGatewaySnapshot(source: GatewayStateSource): GatewaySnapshot {
  return { ...readTenancy(source), ...readRouting(source) };
}

export function readTenancy(source: GatewayStateSource): GatewayTenancy {
  return { keys: source.listKeys(), tenants: source.listTenants(), flags: source.getFlags(), overridable: readOverridable(source.listServices()) };
}

export function readRouting(source: GatewayStateSource): GatewayRouting {
  const revisionsOf = new Map<string, RevisionRecord[]>();
  for (const rev of source.listRevisions()) {
    const list = revisionsOf.get(rev.service);
    if (list === undefined) revisionsOf.set(rev.service, [rev]);
    else list.push(rev);
  }
  const traffic = new Map<string, ResolvedTraffic>();
  const limits = new Map<string, RevisionLimits>();
  for (const { name } of source.listServices()) {
    const revisions = revisionsOf.get(name) ?? [];
    const resolved = resolveTraffic(name, source.getTraffic(name) ?? DEFAULT_TRAFFIC, revisions);
    if (resolved === undefined) continue;
    traffic.set(name, resolved);
    for (const target of resolved.targets) {
      const rev = revisions.find((r) => r.name === target.revision);
      if (rev !== undefined) limits.set(rev.name, revisionLimits(rev));
    }
  }
  const instances = new Map<string, InstanceEndpoint[]>();
  for (const ready of source.listReadyInstances()) instances.set(ready.revision, ready.instances);
  return { traffic, limits, instances, activator: source.getActivator() };
}

/** Each service's `overridable` setting, for the services that declare one. */
export function readOverridable(services: readonly ServiceRecord[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const s of services) {
    const keys = s.spec['overridable'];
    if (Array.isArray(keys)) out.set(s.name, keys.filter((k): k is string => typeof k === 'string'));
  }
  return out;
}
