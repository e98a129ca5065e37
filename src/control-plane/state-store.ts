/**
 * The control plane's desired state: services, tenants, API keys and the audit
 * log of every change to them. `SqliteStateStore` is the real one;
 * `FakeStateStore` keeps the same contract in memory for other parts' tests.
 *
 * Contract shared by both:
 * - every mutation writes its audit row in the same transaction as the change;
 * - a mutation that fails, or an `atomically` block that throws, leaves nothing behind;
 * - records handed out are copies: changing them does not change the store;
 * - times are ISO 8601 strings in UTC from the injected `now`.
 */

/** A JSON object (what YAML and the admin API carry). */
export type JsonObject = Record<string, unknown>;

/**
 * A service's declared spec: source, command, env, models, scaling,
 * readiness… Validated by `config/` before it gets here; the store keeps it
 * as given.
 */
export type ServiceSpec = JsonObject;

export interface ServiceRecord {
  name: string;
  spec: ServiceSpec;
  createdAt: string;
  updatedAt: string;
}

export interface TenantRecord {
  id: string;
  displayName: string;
  config: JsonObject;
  createdAt: string;
  updatedAt: string;
}

export interface TenantInput {
  displayName: string;
  config: JsonObject;
}

export interface KeyRecord {
  id: string;
  tenantId: string;
  /** SHA-256 hex of the secret (see `hashSecret`); the secret itself is never stored. */
  hash: string;
  createdAt: string;
  expiresAt?: string;
  revokedAt?: string;
  lastUsedAt?: string;
  description?: string;
}

export interface CreateKeyOptions {
  description?: string;
  expiresAt?: string;
}

export interface CreatedKey {
  key: KeyRecord;
  /** The full `mlk_<id>_<secret>` key; shown once, never stored. */
  secretKey: string;
}

export interface AuditInput {
  /** Who made the change: `admin`, `cli`, `apply`, `system`… */
  actor: string;
  /** What was done, `<kind>.<verb>`: `tenant.upsert`, `key.revoke`… */
  action: string;
  /** What it was done to, `<kind>/<name>`: `tenant/acme`, `key/abc…`. */
  target: string;
  detail?: JsonObject;
}

export interface AuditEntry extends AuditInput {
  id: number;
  at: string;
  detail: JsonObject;
}

/** Who is asking; recorded as the audit row's actor (`system` when not given). */
export interface MutationContext {
  actor?: string;
}

export const DEFAULT_ACTOR = 'system';

export interface StateStore {
  upsertService(name: string, spec: ServiceSpec, ctx?: MutationContext): ServiceRecord;
  getService(name: string): ServiceRecord | undefined;
  /** Sorted by name. */
  listServices(): ServiceRecord[];
  /** False when there was no such service. */
  deleteService(name: string, ctx?: MutationContext): boolean;

  upsertTenant(id: string, input: TenantInput, ctx?: MutationContext): TenantRecord;
  getTenant(id: string): TenantRecord | undefined;
  /** Sorted by id. */
  listTenants(): TenantRecord[];
  /** Deletes the tenant and its keys. False when there was no such tenant. */
  deleteTenant(id: string, ctx?: MutationContext): boolean;

  /** Throws `MlaasError('ADMIN_NOT_FOUND')` for an unknown tenant. */
  createKey(tenantId: string, opts?: CreateKeyOptions, ctx?: MutationContext): CreatedKey;
  /** Sorted by creation time, then id; only the tenant's keys when `tenantId` is given. */
  listKeys(tenantId?: string): KeyRecord[];
  getKey(id: string): KeyRecord | undefined;
  /**
   * Marks the key revoked and answers it; undefined for an unknown key.
   * Revoking a revoked key changes nothing and writes no audit row.
   */
  revokeKey(id: string, ctx?: MutationContext): KeyRecord | undefined;
  /** Usage telemetry, not a change of desired state: not audited. */
  touchKey(id: string, at?: Date): void;

  appendAudit(entry: AuditInput): AuditEntry;
  /** Newest first; `limit` defaults to 100. */
  listAudit(opts?: { limit?: number }): AuditEntry[];

  /**
   * Runs `fn` as one transaction: if it throws, every change it made (and
   * every audit row) is undone and the error is rethrown. Nests.
   */
  atomically<T>(fn: () => T): T;

  close(): void;
}
