/**
 * Swaps a gateway onto a new snapshot (api/gateway-snapshot.ts): each part
 * that differs from the last one applied is compiled here, off the hot
 * path (flags into a FlagSet, traffic into ServiceRouting), and set whole;
 * an unchanged part is left alone, so its caches and queues stay. A
 * snapshot that cannot be compiled changes nothing and throws.
 *
 * It is also the gateway's InstanceSource when the instances live in
 * another process: the ready endpoints of the last snapshot.
 */
import type { ActivatorEndpoint, InstanceEndpoint } from '../api/data-plane.js';
import type { GatewayRouting, GatewaySnapshot, GatewayTenancy } from '../api/gateway-snapshot.js';
import type { JsonObject } from '../api/json-object.js';
import { FlagSet } from '../flags/flag-set.js';
import type { Gateway, InstanceSource } from './gateway-server.js';
import { compileRouting } from './traffic-router.js';

export type TenancyTarget = Pick<Gateway, 'setKeys' | 'setTenants' | 'setFlags' | 'setOverridable'>;
export type SnapshotTarget = TenancyTarget &
  Pick<Gateway, 'setRouting' | 'setRevisionLimits' | 'forgetRevision' | 'instancesChanged' | 'retainInstances'>;

const NONE: readonly InstanceEndpoint[] = Object.freeze([]);

/** The flags of a snapshot as the gateway evaluates them. */
export function compileFlags(document: JsonObject | undefined): FlagSet {
  return document === undefined ? FlagSet.empty() : FlagSet.fromDocument(document, { source: 'the state store’s flags' });
}

export class SnapshotApplier implements InstanceSource {
  #tenancy = { keys: '', tenants: '', flags: '', overridable: '' };
  #traffic = new Map<string, string>();
  #limits = new Map<string, string>();
  #instances = new Map<string, readonly InstanceEndpoint[]>();
  #instanceKeys = new Map<string, string>();
  #activator: ActivatorEndpoint | undefined;

  ready(revision: string): readonly InstanceEndpoint[] {
    return this.#instances.get(revision) ?? NONE;
  }

  /** The control plane's activator as the last snapshot had it. */
  activator(): ActivatorEndpoint | undefined {
    return this.#activator;
  }

  apply(target: SnapshotTarget, snapshot: GatewaySnapshot): void {
    this.applyTenancy(target, snapshot);
    this.applyRouting(target, snapshot);
  }

  applyTenancy(target: TenancyTarget, tenancy: GatewayTenancy): void {
    const next = {
      keys: JSON.stringify(tenancy.keys),
      tenants: JSON.stringify(tenancy.tenants),
      flags: JSON.stringify(tenancy.flags ?? null),
      overridable: JSON.stringify([...tenancy.overridable]),
    };
    // Compiled before anything is set: an invalid flags document leaves the gateway as it was.
    const flags = next.flags === this.#tenancy.flags ? undefined : compileFlags(tenancy.flags);
    // Tenants before keys: a tenant's keyQuota sets its keys' limits.
    if (next.tenants !== this.#tenancy.tenants) target.setTenants(tenancy.tenants);
    if (next.keys !== this.#tenancy.keys) target.setKeys(tenancy.keys);
    if (flags !== undefined) target.setFlags(flags);
    if (next.overridable !== this.#tenancy.overridable) target.setOverridable(tenancy.overridable);
    this.#tenancy = next;
  }

  applyRouting(target: SnapshotTarget, routing: GatewayRouting): void {
    const traffic = fingerprints(routing.traffic);
    const limits = fingerprints(routing.limits);
    const instanceKeys = fingerprints(routing.instances);
    // Limits first, so that a revision's first request already meets its concurrency and timeout.
    for (const [revision, print] of limits) {
      if (this.#limits.get(revision) !== print) target.setRevisionLimits(revision, routing.limits.get(revision));
    }
    for (const [service, print] of traffic) {
      if (this.#traffic.get(service) !== print) target.setRouting(service, compileRouting(routing.traffic.get(service)!));
    }
    for (const service of this.#traffic.keys()) if (!traffic.has(service)) target.setRouting(service, undefined);
    for (const revision of this.#limits.keys()) {
      if (limits.has(revision)) continue;
      target.setRevisionLimits(revision, undefined);
      target.forgetRevision(revision);
    }
    this.#instances = routing.instances;
    this.#activator = routing.activator;
    const live = new Set<string>();
    for (const list of routing.instances.values()) for (const i of list) live.add(i.id);
    target.retainInstances(live);
    for (const [revision, print] of instanceKeys) if (this.#instanceKeys.get(revision) !== print) target.instancesChanged(revision);
    this.#traffic = traffic;
    this.#limits = limits;
    this.#instanceKeys = instanceKeys;
  }
}

function fingerprints(map: ReadonlyMap<string, unknown>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of map) out.set(name, JSON.stringify(value));
  return out;
}
