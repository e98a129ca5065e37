/**
 * The control plane's desired state: services, tenants, API keys and the audit
 * log of every change to them. `SqliteStateStore` is the embedded default,
 * `PostgresStateStore` the one several processes share (`state: postgres://…`);
 * `FakeStateStore` keeps the same contract in memory for other parts' tests.
 *
 * Contract shared by all three:
 * - every mutation writes its audit row in the same transaction as the change;
 * - a mutation that fails, or an `atomically` block that throws, leaves nothing behind;
 * - records handed out are copies: changing them does not change the store;
 * - times are ISO 8601 strings in UTC from the injected `now`.
 */

import type { ActivatorEndpoint, InstanceEndpoint, ReadyInstances } from '../api/data-plane.js';
import type { JsonObject } from '../api/json-object.js';
import type { CreatedKey, CreateKeyOptions, KeyRecord, RotateKeyOptions } from '../api/key.js';
import type { RevisionRecord, RevisionState } from '../api/revision.js';
import type { ServiceRecord, ServiceSpec } from '../api/service.js';
import type { TenantInput, TenantRecord } from '../api/tenant.js';
import type { TrafficPolicy } from '../api/traffic.js';

export type { JsonObject } from '../api/json-object.js';
export type { ServiceRecord, ServiceSpec } from '../api/service.js';
export type { QuotaSpec, TenantInput, TenantRecord } from '../api/tenant.js';
export type { CreatedKey, CreateKeyOptions, KeyRecord, RotateKeyOptions } from '../api/key.js';
export type { RevisionRecord, RevisionState } from '../api/revision.js';
export type { TrafficPolicy, TrafficTarget } from '../api/traffic.js';
export type { ActivatorEndpoint, InstanceEndpoint, ReadyInstances } from '../api/data-plane.js';

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
  /** Deletes the service with its revisions and its traffic policy. False when there was no such service. */
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
  /** Records that `name` has just lost its traffic and tags (its `lastActiveAt`). */
  markInactive(name: string): void;
  /** Deletes the revision record, audited; the next revision is numbered after the highest that remains. False when there was none. */
  deleteRevision(name: string, ctx?: MutationContext): boolean;

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

  /**
   * Publishes a revision's ready instances for gateways in other processes
   * (api/data-plane.ts); an empty list withdraws the revision. Runtime
   * facts, not desired state: not audited.
   */
  setReadyInstances(revision: string, instances: readonly InstanceEndpoint[]): void;
  /** Every revision with published ready instances, sorted by revision. */
  listReadyInstances(): ReadyInstances[];
  /** Publishes where the control plane's activator listens; undefined withdraws it. Not audited. */
  setActivator(endpoint: ActivatorEndpoint | undefined): void;
  getActivator(): ActivatorEndpoint | undefined;

  appendAudit(entry: AuditInput): AuditEntry;
  /** Newest first; `limit` defaults to 100. */
  listAudit(opts?: { limit?: number }): AuditEntry[];

  /**
   * Runs `fn` as one transaction: if it throws, every change it made (and
   * every audit row) is undone and the error is rethrown. Nests.
   */
  atomically<T>(fn: () => T): T;

  /** Calls `listener` (coalesced, at most a few times a second) after a change to the store committed by any process, this one included; returns the unsubscribe. */
  onChange(listener: () => void): () => void;

  close(): void;
}
