/**
 * Writes what mlaas.yaml declares (services, tenants, flags) into the store at
 * start-up, in one transaction, touching only records that differ — so a
 * restart with the same file writes no audit rows. Records the file no longer
 * declares are left alone: removing them is `plan`/`apply`'s job, with a diff
 * shown first.
 */
import { isDeepStrictEqual } from 'node:util';
import type { MlaasConfig } from '../config/index.js';
import type { FlagSet } from '../flags/flag-set.js';
import type { JsonObject, StateStore, TenantInput, TenantRecord } from './state-store.js';

export interface AppliedChanges {
  services: string[];
  tenants: string[];
  /** True when the declared flags differ from the stored ones and replaced them. */
  flags: boolean;
}

/** `flags` is what mlaas.yaml's `flags:` loaded to; undefined (no `flags:`) leaves the stored flags alone. */
export function applyDeclaredState(store: StateStore, config: MlaasConfig, actor = 'up', flags?: FlagSet): AppliedChanges {
  const changed: AppliedChanges = { services: [], tenants: [], flags: false };
  store.atomically(() => {
    for (const [name, service] of Object.entries(config.services)) {
      const spec = JSON.parse(JSON.stringify(service)) as JsonObject;
      if (isDeepStrictEqual(store.getService(name)?.spec, spec)) continue;
      store.upsertService(name, spec, { actor });
      changed.services.push(name);
    }
    for (const [id, tenant] of Object.entries(config.tenants)) {
      const input: TenantInput = { displayName: tenant.displayName ?? id, config: tenant.config, attributes: tenant.attributes };
      if (tenant.quota !== undefined) input.quota = tenant.quota;
      if (tenant.keyQuota !== undefined) input.keyQuota = tenant.keyQuota;
      const current = store.getTenant(id);
      if (current !== undefined && isDeepStrictEqual(tenantInputOf(current), input)) continue;
      store.upsertTenant(id, input, { actor });
      changed.tenants.push(id);
    }
    if (flags !== undefined) {
      const document = JSON.parse(flags.document) as JsonObject;
      if (!isDeepStrictEqual(store.getFlags(), document)) {
        store.setFlags(document, { actor });
        changed.flags = true;
      }
    }
  });
  return changed;
}

function tenantInputOf(t: TenantRecord): TenantInput {
  const input: TenantInput = { displayName: t.displayName, config: t.config, attributes: t.attributes };
  if (t.quota !== undefined) input.quota = t.quota;
  if (t.keyQuota !== undefined) input.keyQuota = t.keyQuota;
  return input;
}
