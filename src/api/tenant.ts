/**
 * Tenants: a customer's settings, flag-targeting attributes and quotas, as the store keeps them and the gateway reads them.
 */
import type { JsonObject } from './json-object.js';

/** A rate limit: at most `requestsPerMinute` requests in any 60 s, optionally at most `burst` in any one second. */
export interface QuotaSpec {
  requestsPerMinute: number;
  burst?: number;
}

export interface TenantRecord {
  id: string;
  displayName: string;
  config: JsonObject;
  /** Flag-targeting attributes (plan, region…): flag context only, never sent to services. */
  attributes: JsonObject;
  /** Shared by all of the tenant's keys and tokens. */
  quota?: QuotaSpec;
  /** The limit of each of the tenant's keys that has no quota of its own. */
  keyQuota?: QuotaSpec;
  createdAt: string;
  updatedAt: string;
}

export interface TenantInput {
  displayName: string;
  config: JsonObject;
  attributes?: JsonObject;
  quota?: QuotaSpec;
  keyQuota?: QuotaSpec;
}
