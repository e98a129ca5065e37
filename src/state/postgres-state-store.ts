/**
 * The state store in PostgreSQL (`state: postgres://…`), for several
 * gateways and control planes sharing keys, tenants, flags and traffic. The
 * same contract as SqliteStateStore (the contract tests run against both),
 * synchronous like it: one dedicated connection in a worker thread
 * (postgres-connection.ts), so `atomically` is BEGIN … COMMIT on it and a
 * nested block a savepoint. `onChange` LISTENs for the notification every
 * committed change sends (postgres-migrations.ts), whichever process made it.
 */
import { randomBytes } from 'node:crypto';
import { generateApiKey, hashSecret } from '../api/api-key.js';
import { MlaasError } from '../errors.js';
import { auditChanges, tenantFields } from './audit-changes.js';
import { PostgresConnection } from './postgres-connection.js';
import { migratePostgres, requireCurrentPostgresSchema, STATE_CHANGED_CHANNEL } from './postgres-migrations.js';
import { SQL } from './postgres-statements.js';
import { revisionName } from './revision-name.js';
import { StoreChangeNotifier } from './store-change-notifier.js';
import { auditOf, jsonOrNull, keyOf, revisionOf, serviceOf, tenantOf, type AuditRow, type KeyRow, type RevisionRow, type ServiceRow, type TenantRow } from './store-rows.js';
import {
  DEFAULT_ACTOR,
  type ActivatorEndpoint,
  type AuditEntry,
  type AuditInput,
  type CreateKeyOptions,
  type CreatedKey,
  type InstanceEndpoint,
  type JsonObject,
  type KeyRecord,
  type MutationContext,
  type ReadyInstances,
  type RevisionRecord,
  type RevisionState,
  type RotateKeyOptions,
  type ServiceRecord,
  type ServiceSpec,
  type StateStore,
  type TenantInput,
  type TenantRecord,
  type TrafficPolicy,
} from './state-store.js';

export interface PostgresStateStoreOptions {
  /** `postgres://user:password@host:port/database`, as libpq takes it. */
  url: string;
  /**
   * False for a process that only reads and serves (`mlaas gateway`): the
   * schema must already be current, it is never created or migrated here. Default true.
   */
  migrate?: boolean;
  now?: () => Date;
  random?: (size: number) => Buffer;
}

const DEFAULT_AUDIT_LIMIT = 100;

export class PostgresStateStore implements StateStore {
  private readonly conn: PostgresConnection;
  private readonly now: () => Date;
  private readonly random: (size: number) => Buffer;
  // LISTENs only while someone listens; every notification (this process's commits included) comes back through it.
  private readonly changes = new StoreChangeNotifier((listening) =>
    listening ? this.conn.listen(STATE_CHANGED_CHANNEL, () => this.changes.changed()) : this.conn.unlisten(),
  );

  /** Connects and migrates (or checks the schema, with `migrate: false`); throws ADMIN_STATE_UNAVAILABLE, naming the server, when it cannot connect. */
  constructor(options: PostgresStateStoreOptions) {
    this.now = options.now ?? (() => new Date());
    this.random = options.random ?? randomBytes;
    this.conn = new PostgresConnection(options.url);
    try {
      if (options.migrate === false) requireCurrentPostgresSchema(this.conn);
      else migratePostgres(this.conn);
    } catch (err) {
      this.conn.close();
      throw err;
    }
  }

  upsertService(name: string, spec: ServiceSpec, ctx: MutationContext = {}): ServiceRecord {
    return this.atomically(() => {
      const before = this.getService(name);
      const at = this.stamp();
      const row = this.one<ServiceRow>(SQL.upsertService, [name, JSON.stringify(spec), at, at]);
      this.audit(ctx, 'service.upsert', `service/${name}`, { created: before === undefined, changes: auditChanges(before?.spec, spec) });
      return serviceOf(row);
    });
  }

  getService(name: string): ServiceRecord | undefined {
    const row = this.conn.query<ServiceRow>(SQL.getService, [name])[0];
    return row && serviceOf(row);
  }

  listServices(): ServiceRecord[] {
    return this.conn.query<ServiceRow>(SQL.listServices).map(serviceOf);
  }

  deleteService(name: string, ctx: MutationContext = {}): boolean {
    return this.atomically(() => {
      if (this.conn.run(SQL.deleteService, [name]) === 0) return false;
      const revisions = this.conn.run(SQL.deleteServiceRevisions, [name]);
      this.conn.run(SQL.deleteTraffic, [name]);
      this.audit(ctx, 'service.delete', `service/${name}`, { revisions });
      return true;
    });
  }

  upsertTenant(id: string, input: TenantInput, ctx: MutationContext = {}): TenantRecord {
    return this.atomically(() => {
      const before = this.getTenant(id);
      const at = this.stamp();
      const row = this.one<TenantRow>(SQL.upsertTenant, [
        id,
        input.displayName,
        JSON.stringify(input.config),
        JSON.stringify(input.attributes ?? {}),
        jsonOrNull(input.quota),
        jsonOrNull(input.keyQuota),
        at,
        at,
      ]);
      this.audit(ctx, 'tenant.upsert', `tenant/${id}`, { created: before === undefined, changes: auditChanges(tenantFields(before), tenantFields(input)) });
      return tenantOf(row);
    });
  }

  getTenant(id: string): TenantRecord | undefined {
    const row = this.conn.query<TenantRow>(SQL.getTenant, [id])[0];
    return row && tenantOf(row);
  }

  listTenants(): TenantRecord[] {
    return this.conn.query<TenantRow>(SQL.listTenants).map(tenantOf);
  }

  deleteTenant(id: string, ctx: MutationContext = {}): boolean {
    return this.atomically(() => {
      const keysDeleted = this.one<{ n: number }>(SQL.countTenantKeys, [id]).n;
      if (this.conn.run(SQL.deleteTenant, [id]) === 0) return false;
      this.audit(ctx, 'tenant.delete', `tenant/${id}`, { keysDeleted });
      return true;
    });
  }

  createKey(tenantId: string, opts: CreateKeyOptions = {}, ctx: MutationContext = {}): CreatedKey {
    return this.atomically(() => {
      if (this.getTenant(tenantId) === undefined) throw new MlaasError('ADMIN_NOT_FOUND', `no tenant ${tenantId}`);
      const created = this.insertKey(tenantId, opts, undefined);
      this.audit(ctx, 'key.create', `key/${created.key.id}`, { tenantId, ...(opts.expiresAt ? { expiresAt: opts.expiresAt } : {}) });
      return created;
    });
  }

  rotateKey(id: string, opts: RotateKeyOptions, ctx: MutationContext = {}): CreatedKey {
    return this.atomically(() => {
      const old = this.getKey(id);
      if (old === undefined) throw new MlaasError('ADMIN_NOT_FOUND', `no key ${id}`);
      if (old.revokedAt !== undefined) throw new MlaasError('ADMIN_CONFLICT', `key '${id}' is revoked; create a new key instead`);
      const oldExpiresAt = old.expiresAt !== undefined && old.expiresAt < opts.oldExpiresAt ? old.expiresAt : opts.oldExpiresAt;
      this.conn.run(SQL.expireKey, [oldExpiresAt, id]);
      const inherited: CreateKeyOptions = {};
      if (old.description !== undefined) inherited.description = old.description;
      if (old.scopes !== undefined) inherited.scopes = old.scopes;
      if (old.quota !== undefined) inherited.quota = old.quota;
      if (old.allowTags === true) inherited.allowTags = true;
      const created = this.insertKey(old.tenantId, inherited, id);
      this.audit(ctx, 'key.rotate', `key/${id}`, { tenantId: old.tenantId, newKey: created.key.id, oldExpiresAt });
      return created;
    });
  }

  getFlags(): JsonObject | undefined {
    const row = this.conn.query<{ document: string }>(SQL.getFlags)[0];
    return row && (JSON.parse(row.document) as JsonObject);
  }

  setFlags(document: JsonObject, ctx: MutationContext = {}): void {
    this.atomically(() => {
      const before = this.getFlags();
      this.conn.run(SQL.setFlags, [JSON.stringify(document), this.stamp()]);
      const flags = document['flags'];
      this.audit(ctx, 'flags.set', 'flags', {
        flags: typeof flags === 'object' && flags !== null ? Object.keys(flags).length : 0,
        changes: auditChanges(before, document),
      });
    });
  }

  getApplied(resource: string): JsonObject | undefined {
    const row = this.conn.query<{ declaration: string }>(SQL.getApplied, [resource])[0];
    return row && (JSON.parse(row.declaration) as JsonObject);
  }

  setApplied(resource: string, declaration: JsonObject | undefined): void {
    if (declaration === undefined) this.conn.run(SQL.deleteApplied, [resource]);
    else this.conn.run(SQL.setApplied, [resource, JSON.stringify(declaration), this.stamp()]);
  }

  listKeys(tenantId?: string): KeyRecord[] {
    const rows = tenantId === undefined ? this.conn.query<KeyRow>(SQL.listKeys) : this.conn.query<KeyRow>(SQL.listTenantKeys, [tenantId]);
    return rows.map(keyOf);
  }

  getKey(id: string): KeyRecord | undefined {
    const row = this.conn.query<KeyRow>(SQL.getKey, [id])[0];
    return row && keyOf(row);
  }

  revokeKey(id: string, ctx: MutationContext = {}): KeyRecord | undefined {
    return this.atomically(() => {
      const row = this.conn.query<KeyRow>(SQL.revokeKey, [this.stamp(), id])[0];
      if (row === undefined) return this.getKey(id);
      this.audit(ctx, 'key.revoke', `key/${id}`, { tenantId: row.tenant_id });
      return keyOf(row);
    });
  }

  touchKey(id: string, at: Date = this.now()): void {
    this.conn.run(SQL.touchKey, [at.toISOString(), id]);
  }

  createRevision(service: string, spec: JsonObject, ctx: MutationContext = {}): RevisionRecord {
    return this.atomically(() => {
      const number = (this.one<{ n: number | null }>(SQL.maxRevisionNumber, [service]).n ?? 0) + 1;
      const name = revisionName(service, number);
      const row = this.one<RevisionRow>(SQL.insertRevision, [name, service, number, JSON.stringify(spec), this.stamp()]);
      this.audit(ctx, 'revision.create', `revision/${name}`, { service });
      return revisionOf(row);
    });
  }

  getRevision(name: string): RevisionRecord | undefined {
    const row = this.conn.query<RevisionRow>(SQL.getRevision, [name])[0];
    return row && revisionOf(row);
  }

  listRevisions(service?: string): RevisionRecord[] {
    const rows = service === undefined ? this.conn.query<RevisionRow>(SQL.listRevisions) : this.conn.query<RevisionRow>(SQL.listServiceRevisions, [service]);
    return rows.map(revisionOf);
  }

  setRevisionState(name: string, state: RevisionState, reason?: string, ctx: MutationContext = {}): RevisionRecord | undefined {
    return this.atomically(() => {
      const row = this.conn.query<RevisionRow>(SQL.setRevisionState, [state, reason ?? null, name])[0];
      if (row === undefined) return undefined;
      this.audit(ctx, 'revision.state', `revision/${name}`, { state, ...(reason === undefined ? {} : { reason }) });
      return revisionOf(row);
    });
  }

  markFullTraffic(name: string): void {
    this.conn.run(SQL.markFullTraffic, [this.stamp(), name]);
  }

  markInactive(name: string): void {
    this.conn.run(SQL.markInactive, [this.stamp(), name]);
  }

  deleteRevision(name: string, ctx: MutationContext = {}): boolean {
    return this.atomically(() => {
      const row = this.conn.query<{ service: string }>(SQL.deleteRevision, [name])[0];
      if (row === undefined) return false;
      this.audit(ctx, 'revision.delete', `revision/${name}`, { service: row.service });
      return true;
    });
  }

  getTraffic(service: string): TrafficPolicy | undefined {
    const row = this.conn.query<{ policy: string }>(SQL.getTraffic, [service])[0];
    return row && (JSON.parse(row.policy) as TrafficPolicy);
  }

  setTraffic(service: string, policy: TrafficPolicy, ctx: MutationContext = {}): TrafficPolicy {
    return this.atomically(() => {
      const before = this.getTraffic(service);
      this.conn.run(SQL.setTraffic, [service, JSON.stringify(policy), this.stamp()]);
      this.audit(ctx, 'traffic.set', `service/${service}`, { targets: policy.targets.length, sticky: policy.sticky, changes: auditChanges(before, policy) });
      return structuredClone(policy);
    });
  }

  appendAudit(entry: AuditInput): AuditEntry {
    const row = this.one<AuditRow>(SQL.insertAudit, [this.stamp(), entry.actor, entry.action, entry.target, JSON.stringify(entry.detail ?? {})]);
    return auditOf(row);
  }

  listAudit(opts: { limit?: number } = {}): AuditEntry[] {
    return this.conn.query<AuditRow>(SQL.listAudit, [Math.max(0, opts.limit ?? DEFAULT_AUDIT_LIMIT)]).map(auditOf);
  }

  atomically<T>(fn: () => T): T {
    return this.conn.transaction(fn);
  }

  /** Calls `listener` (coalesced, at most a few times a second) after a change to the store committed by any process, this one included; returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    return this.changes.listen(listener);
  }

  setReadyInstances(revision: string, instances: readonly InstanceEndpoint[]): void {
    if (instances.length === 0) this.conn.run(SQL.deleteReadyInstances, [revision]);
    else {
      const endpoints = instances.map(({ id, host, port }) => ({ id, host, port }));
      this.conn.run(SQL.setReadyInstances, [revision, JSON.stringify(endpoints), this.stamp()]);
    }
  }

  listReadyInstances(): ReadyInstances[] {
    return this.conn.query<{ revision: string; instances: string; updated_at: string }>(SQL.listReadyInstances).map((row) => ({
      revision: row.revision,
      instances: JSON.parse(row.instances) as InstanceEndpoint[],
      updatedAt: row.updated_at,
    }));
  }

  setActivator(endpoint: ActivatorEndpoint | undefined): void {
    if (endpoint === undefined) this.conn.run(SQL.deleteActivator, []);
    else this.conn.run(SQL.setActivator, [endpoint.url, endpoint.token, endpoint.issuer, this.stamp()]);
  }

  getActivator(): ActivatorEndpoint | undefined {
    const row = this.conn.query<{ url: string; token: string; issuer: string }>(SQL.getActivator)[0];
    return row && { url: row.url, token: row.token, issuer: row.issuer };
  }

  close(): void {
    this.changes.close();
    this.conn.close();
  }

  private insertKey(tenantId: string, opts: CreateKeyOptions, rotatedFrom: string | undefined): CreatedKey {
    const generated = generateApiKey(this.random);
    const row = this.one<KeyRow>(SQL.insertKey, [
      generated.id,
      tenantId,
      hashSecret(generated.secret),
      this.stamp(),
      opts.expiresAt ?? null,
      opts.description ?? null,
      jsonOrNull(opts.scopes),
      jsonOrNull(opts.quota),
      opts.allowTags === true ? 1 : 0,
      rotatedFrom ?? null,
    ]);
    return { key: keyOf(row), secretKey: generated.key };
  }

  /** The one row a statement answers (an INSERT … RETURNING, an aggregate). */
  private one<R>(sql: string, params: readonly unknown[]): R {
    const row = this.conn.query<R>(sql, params)[0];
    if (row === undefined) throw new Error(`PostgreSQL at ${this.conn.address} answered no row to: ${sql.split('\n')[0] ?? sql}`);
    return row;
  }

  private stamp(): string {
    return this.now().toISOString();
  }

  private audit(ctx: MutationContext, action: string, target: string, detail: JsonObject): void {
    this.appendAudit({ actor: ctx.actor ?? DEFAULT_ACTOR, action, target, detail });
  }
}
