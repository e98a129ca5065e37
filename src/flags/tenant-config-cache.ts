/**
 * Each tenant's config with flag values layered on, and its encoded
 * `x-mlaas-config` header, computed on a tenant's first request and then
 * reused. Both inputs only change when tenants or flags change, so a cache is
 * an immutable snapshot: build a new one on either change and the old
 * entries go with the old object — nothing is ever stale or half-updated.
 *
 * Flags whose targeting reads `$flagd.timestamp` would need evaluation per
 * request; mlaas targets tenants, so a tenant's flag values are fixed per set.
 */
import type { EvaluationContextValue, JsonValue } from '@openfeature/server-sdk';
import type { FlagSet, TenantEvaluationContext } from './flag-set.js';
import { encodeConfigHeader } from '../api/service-contract.js';

export interface TenantProfile {
  id: string;
  /** Static settings from mlaas.yaml `tenants.<id>.config`. */
  config: Readonly<Record<string, unknown>>;
  /** Targeting attributes from `tenants.<id>.attributes` (plan, region, …); never sent to services. */
  attributes?: Readonly<Record<string, EvaluationContextValue>>;
}

export interface ResolvedTenantConfig {
  /** Tenant config with flag values over it. Shared: do not mutate. */
  config: Readonly<Record<string, unknown>>;
  /** `x-mlaas-config` value for `config`. */
  header: string;
}

export class TenantConfigCache {
  readonly flags: FlagSet;
  private readonly tenants: ReadonlyMap<string, TenantProfile>;
  private readonly resolved = new Map<string, ResolvedTenantConfig>();

  constructor(tenants: Iterable<TenantProfile>, flags: FlagSet) {
    this.tenants = new Map([...tenants].map((t) => [t.id, t]));
    this.flags = flags;
  }

  /**
   * Tenant config, then every enabled flag's value for this tenant. A tenant
   * id with no profile gets flags alone (evaluated with its id as targetingKey).
   */
  forTenant(tenantId: string): ResolvedTenantConfig {
    const cached = this.resolved.get(tenantId);
    if (cached !== undefined) return cached;
    const profile = this.tenants.get(tenantId);
    const flagValues: Record<string, JsonValue> = this.flags.evaluateAll(contextOf(tenantId, profile));
    const config = Object.freeze({ ...profile?.config, ...flagValues });
    const entry = Object.freeze({ config, header: encodeConfigHeader(config) });
    this.resolved.set(tenantId, entry);
    return entry;
  }
}

/** targetingKey last, so an attribute cannot pose as another tenant. */
export function contextOf(tenantId: string, profile: TenantProfile | undefined): TenantEvaluationContext {
  return { ...profile?.attributes, targetingKey: tenantId };
}
