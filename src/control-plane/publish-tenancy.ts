/**
 * Feeds the gateway what it needs to admit requests — keys, tenants, flags,
 * each service's overridable settings — from the store, at start and after
 * every admin change, and writes keys' last-used times back in batches.
 */
import { FlagSet } from '../flags/flag-set.js';
import { KeyUsageRecorder } from '../gateway/key-usage-recorder.js';
import type { AdminChange } from './admin-routes.js';
import type { KeyRecord, StateStore, TenantRecord } from './state-store.js';

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
  return { keys: store.listKeys(), tenants: store.listTenants(), flags: flagsOf(store), overridable: overridableOf(store) };
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
  if (what === 'flags') target.setFlags(flagsOf(store));
  if (what === 'services') target.setOverridable(overridableOf(store));
}

/** Batches the gateway's key uses into one transaction every few seconds. */
export function recordKeyUsage(store: StateStore, onError: (err: unknown) => void): KeyUsageRecorder {
  return new KeyUsageRecorder({
    flush: (used) =>
      store.atomically(() => {
        for (const [id, atMs] of used) store.touchKey(id, new Date(atMs));
      }),
    onError,
  });
}

function flagsOf(store: StateStore): FlagSet {
  const document = store.getFlags();
  return document === undefined ? FlagSet.empty() : FlagSet.fromDocument(document, { source: 'state.db flags' });
}

function overridableOf(store: StateStore): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const s of store.listServices()) {
    const keys = s.spec['overridable'];
    if (Array.isArray(keys)) out.set(s.name, keys.filter((k): k is string => typeof k === 'string'));
  }
  return out;
}
