/**
 * Writes what mlaas.yaml declares (services, tenants) into the store at
 * start-up, in one transaction, touching only records that differ — so a
 * restart with the same file writes no audit rows. Records the file no longer
 * declares are left alone: removing them is `plan`/`apply`'s job, with a diff
 * shown first.
 */
import { isDeepStrictEqual } from 'node:util';
import type { MlaasConfig } from '../config/index.js';
import type { JsonObject, StateStore } from './state-store.js';

export interface AppliedChanges {
  services: string[];
  tenants: string[];
}

export function applyDeclaredState(store: StateStore, config: MlaasConfig, actor = 'up'): AppliedChanges {
  const changed: AppliedChanges = { services: [], tenants: [] };
  store.atomically(() => {
    for (const [name, service] of Object.entries(config.services)) {
      const spec = JSON.parse(JSON.stringify(service)) as JsonObject;
      if (isDeepStrictEqual(store.getService(name)?.spec, spec)) continue;
      store.upsertService(name, spec, { actor });
      changed.services.push(name);
    }
    for (const [id, tenant] of Object.entries(config.tenants)) {
      const input = { displayName: tenant.displayName ?? id, config: tenant.config };
      const current = store.getTenant(id);
      if (current !== undefined && current.displayName === input.displayName && isDeepStrictEqual(current.config, input.config)) {
        continue;
      }
      store.upsertTenant(id, input, { actor });
      changed.tenants.push(id);
    }
  });
  return changed;
}
