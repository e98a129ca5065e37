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
  /** Services the key may call; absent means every service. */
  scopes?: string[];
  /** The key's own limit, over its tenant's `keyQuota`. */
  quota?: QuotaSpec;
  /**
   * True when the key's `x-mlaas-tag` header picks a revision even on a
   * service with tenant rules (a tester's or an operator's key); absent means false.
   */
  allowTags?: true;
  /** The key this one replaced through `rotateKey`. */
  rotatedFrom?: string;
}

export interface CreateKeyOptions {
  description?: string;
  expiresAt?: string;
  scopes?: string[];
  quota?: QuotaSpec;
  allowTags?: boolean;
}

export interface RotateKeyOptions {
  /** When the old key stops working: now plus the overlap window (or its own expiry, if sooner). */
  oldExpiresAt: string;
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

export type RevisionState = 'pending' | 'ready' | 'failed' | 'retired';

/**
 * One deploy of a service, `SERVICE-0000N`. Its spec (artifact digest,
 * command, env, models, scaling…) never changes after creation; only its
 * state does, as the runtime learns whether it can serve.
 */
export interface RevisionRecord {
  name: string;
  service: string;
  number: number;
  spec: JsonObject;
  createdAt: string;
  state: RevisionState;
  /** Why a revision failed (or was retired), for `mlaas revisions`. */
  reason?: string;
  /** Last time this revision alone served 100% of the traffic; what `rollback` goes back to. */
  fullTrafficAt?: string;
}

/** One entry of a service's traffic policy, with Knative's fields. */
export interface TrafficTarget {
  /** A fixed revision; absent when `latestRevision` is true. */
  revision?: string;
  /** Follows the service's newest ready revision. */
  latestRevision?: boolean;
  percent: number;
  /** Makes the target reachable by `x-mlaas-tag: TAG` and `mlaas://SERVICE@TAG/…`. */
  tag?: string;
}

export interface TrafficPolicy {
  targets: TrafficTarget[];
  /** Same tenant, same revision: the split is by a hash of tenant and service instead of at random. */
  sticky: boolean;
  /** Tenant id → tag: these tenants always reach the tagged revision, before any split. */
  tenantTags?: Record<string, string>;
  /**
   * A flag whose value (or variant name) for the tenant names a tag; checked
   * after `tenantTags`, before the split. A value naming no tag falls through
   * to the split, so a flag's fractional rollout by tenant is a canary.
   */
  flagTag?: string;
  /** Shadow traffic: copy `percent` of requests to the tagged revision; its answers are compared, never returned. */
  mirror?: { tag: string; percent: number };
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
  /**
   * A new key for the same tenant, scopes, quota and description; the old one
   * stops working at `oldExpiresAt` (or its own expiry, if sooner).
   * Throws ADMIN_NOT_FOUND for an unknown key, ADMIN_CONFLICT for a revoked one.
   */
  rotateKey(id: string, opts: RotateKeyOptions, ctx?: MutationContext): CreatedKey;

  /** The flagd document (`{ flags: {...} }`) the platform evaluates; undefined until one is set. */
  getFlags(): JsonObject | undefined;
  setFlags(document: JsonObject, ctx?: MutationContext): void;

  /** Numbers the revision after the service's highest; state `pending`. */
  createRevision(service: string, spec: JsonObject, ctx?: MutationContext): RevisionRecord;
  getRevision(name: string): RevisionRecord | undefined;
  /** Oldest first; only the service's when given. */
  listRevisions(service?: string): RevisionRecord[];
  /** Changes only the state (and reason); undefined for an unknown revision. */
  setRevisionState(name: string, state: RevisionState, reason?: string, ctx?: MutationContext): RevisionRecord | undefined;
  /** Records that `name` now serves all of its service's traffic. */
  markFullTraffic(name: string): void;

  getTraffic(service: string): TrafficPolicy | undefined;
  setTraffic(service: string, policy: TrafficPolicy, ctx?: MutationContext): TrafficPolicy;

  /**
   * What `apply` (and `mlaas up`, and a reload) last applied of a resource
   * declared in the files, by `kind/name` (`service/echo`, `tenant/acme`):
   * kubectl's last-applied configuration. `mlaas up` applies only what the
   * files changed since, so a later CLI change survives a restart. Bookkeeping
   * of the change it goes with (which is audited), written in its transaction.
   */
  getApplied(resource: string): JsonObject | undefined;
  /** `undefined` forgets the resource (it was pruned). */
  setApplied(resource: string, declaration: JsonObject | undefined): void;

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
