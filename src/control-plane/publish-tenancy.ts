/**
 * Feeds the in-process gateway what it needs to admit requests — keys,
 * tenants, flags, each service's overridable settings — from the store, at
 * start and after every admin change, read and compiled as `mlaas gateway`
 * reads its snapshot (api/gateway-snapshot.ts, gateway/snapshot-applier.ts).
 */
import { readOverridable, readTenancy } from '../api/gateway-snapshot.js';
import type { FlagSet } from '../flags/flag-set.js';
import { compileFlags } from '../gateway/snapshot-applier.js';
import type { AdminChange } from './admin-routes.js';
import type { KeyRecord, StateStore, TenantRecord } from '../state/state-store.js';

/** The part of the gateway that takes tenancy changes. */
export interface TenancyTarget {
  setKeys(keys: readonly KeyRecord[]): void;
  setTenants(tenants: readonly TenantRecord[]): void;
  setFlags(flags: FlagSet): void;
  setOverridable(overridable: ReadonlyMap<string, readonly string[]>): void;
}

export interface TenancyState {
  keys: KeyRecord[];
  tenants: TenantRecord[];
  flags: FlagSet;
  overridable: Map<string, string[]>;
}

/** Everything the gateway's tenancy reads, as the store has it now. */
export function tenancyOf(store: StateStore): TenancyState {
  const tenancy = readTenancy(store);
  return { ...tenancy, flags: compileFlags(tenancy.flags) };
}

/**
 * Rebuilds only what `what` made stale. Synchronous, so the admin API's
 * answer leaves after the gateway switched: the next request sees the change.
 */
export function publishTenancy(target: TenancyTarget, store: StateStore, what: AdminChange): void {
  if (what === 'keys') target.setKeys(store.listKeys());
  if (what === 'tenants') {
    // Deleting a tenant deletes its keys; a tenant's keyQuota changes its keys' limits.
    target.setTenants(store.listTenants());
    target.setKeys(store.listKeys());
  }
  if (what === 'flags') target.setFlags(compileFlags(store.getFlags()));
  if (what === 'services') target.setOverridable(readOverridable(store.listServices()));
}
