/**
 * The rows of the state store's tables (SQLite's state.db and PostgreSQL's
 * have the same columns) and how each becomes the record the store hands
 * out: JSON columns parsed, NULLs dropped, times kept as ISO strings.
 */
import type {
  ActivatorEndpoint,
  AuditEntry,
  InstanceEndpoint,
  JsonObject,
  KeyRecord,
  QuotaSpec,
  ReadyInstances,
  RevisionRecord,
  RevisionState,
  ServiceRecord,
  ServiceSpec,
  TenantInput,
  TenantRecord,
} from './state-store.js';

export interface ServiceRow { name: string; spec: string; created_at: string; updated_at: string }
export interface TenantRow {
  id: string;
  display_name: string;
  config: string;
  attributes: string;
  quota: string | null;
  key_quota: string | null;
  created_at: string;
  updated_at: string;
}
export interface KeyRow {
  id: string;
  tenant_id: string;
  hash: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  description: string | null;
  scopes: string | null;
  quota: string | null;
  allow_tags: number;
  rotated_from: string | null;
}
export interface RevisionRow {
  name: string;
  service: string;
  number: number;
  spec: string;
  created_at: string;
  state: string;
  reason: string | null;
  full_traffic_at: string | null;
  last_active_at: string | null;
}
export interface AuditRow { id: number; at: string; actor: string; action: string; target: string; detail: string }
export interface ReadyInstancesRow { revision: string; instances: string; updated_at: string }
export interface ActivatorRow { url: string; token: string; issuer: string }

export function serviceOf(row: ServiceRow): ServiceRecord {
  return { name: row.name, spec: JSON.parse(row.spec) as ServiceSpec, createdAt: row.created_at, updatedAt: row.updated_at };
}

export function tenantOf(row: TenantRow): TenantRecord {
  const tenant: TenantRecord = {
    id: row.id,
    displayName: row.display_name,
    config: JSON.parse(row.config) as JsonObject,
    attributes: JSON.parse(row.attributes) as JsonObject,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.quota !== null) tenant.quota = JSON.parse(row.quota) as QuotaSpec;
  if (row.key_quota !== null) tenant.keyQuota = JSON.parse(row.key_quota) as QuotaSpec;
  return tenant;
}

export function jsonOrNull(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

/** The values of a tenant's upsert: id, display_name, config, attributes, quota, key_quota, created_at, updated_at. */
export function tenantParams(id: string, input: TenantInput, at: string): [string, string, string, string, string | null, string | null, string, string] {
  return [id, input.displayName, JSON.stringify(input.config), JSON.stringify(input.attributes ?? {}), jsonOrNull(input.quota), jsonOrNull(input.keyQuota), at, at];
}

/** The values of a new key's insert, in the api_keys table's column order (without revoked_at and last_used_at). */
export function keyParams(
  key: KeyRecord,
): [string, string, string, string, string | null, string | null, string | null, string | null, number, string | null] {
  return [
    key.id,
    key.tenantId,
    key.hash,
    key.createdAt,
    key.expiresAt ?? null,
    key.description ?? null,
    jsonOrNull(key.scopes),
    jsonOrNull(key.quota),
    key.allowTags === true ? 1 : 0,
    key.rotatedFrom ?? null,
  ];
}

export function keyOf(row: KeyRow): KeyRecord {
  const key: KeyRecord = { id: row.id, tenantId: row.tenant_id, hash: row.hash, createdAt: row.created_at };
  if (row.expires_at !== null) key.expiresAt = row.expires_at;
  if (row.revoked_at !== null) key.revokedAt = row.revoked_at;
  if (row.last_used_at !== null) key.lastUsedAt = row.last_used_at;
  if (row.description !== null) key.description = row.description;
  if (row.scopes !== null) key.scopes = JSON.parse(row.scopes) as string[];
  if (row.quota !== null) key.quota = JSON.parse(row.quota) as QuotaSpec;
  if (row.allow_tags === 1) key.allowTags = true;
  if (row.rotated_from !== null) key.rotatedFrom = row.rotated_from;
  return key;
}

export function revisionOf(row: RevisionRow): RevisionRecord {
  const rev: RevisionRecord = {
    name: row.name,
    service: row.service,
    number: row.number,
    spec: JSON.parse(row.spec) as JsonObject,
    createdAt: row.created_at,
    state: row.state as RevisionState,
  };
  if (row.reason !== null) rev.reason = row.reason;
  if (row.full_traffic_at !== null) rev.fullTrafficAt = row.full_traffic_at;
  if (row.last_active_at !== null) rev.lastActiveAt = row.last_active_at;
  return rev;
}

export function readyInstancesOf(row: ReadyInstancesRow): ReadyInstances {
  return { revision: row.revision, instances: JSON.parse(row.instances) as InstanceEndpoint[], updatedAt: row.updated_at };
}

export function activatorOf(row: ActivatorRow): ActivatorEndpoint {
  return { url: row.url, token: row.token, issuer: row.issuer };
}

export function auditOf(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    at: row.at,
    actor: row.actor,
    action: row.action,
    target: row.target,
    detail: JSON.parse(row.detail) as JsonObject,
  };
}
