/**
 * The gateway's view of tenants: for each tenant id, the `x-mlaas-config`
 * header value (base64url JSON of its resolved settings), encoded once when
 * tenants change rather than on every request.
 */
import type { TenantRecord } from '../control-plane/state-store.js';

export interface IndexedTenant {
  id: string;
  configHeader: string;
}

export type TenantIndex = ReadonlyMap<string, IndexedTenant>;

export function buildTenantIndex(tenants: readonly TenantRecord[]): TenantIndex {
  const index = new Map<string, IndexedTenant>();
  for (const t of tenants) {
    index.set(t.id, { id: t.id, configHeader: encodeConfigHeader(t.config) });
  }
  return index;
}

/** base64url(JSON) — the form services and the SDK decode. */
export function encodeConfigHeader(config: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(config), 'utf8').toString('base64url');
}
