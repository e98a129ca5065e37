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
import { MlaasError } from '../errors.js';
import { auditEntries, auditInput, type AuditedChange } from './audit-entries.js';
import { keyRotation } from './key-rotation.js';
import { newKey } from './new-key.js';
import { PostgresConnection } from './postgres-connection.js';
import { migratePostgres, requireCurrentPostgresSchema, STATE_CHANGED_CHANNEL } from './postgres-migrations.js';
import { SQL } from './postgres-statements.js';
import { revisionName } from './revision-name.js';
import { StoreChangeNotifier } from './store-change-notifier.js';
import { activatorOf, auditOf, keyOf, keyParams, readyInstancesOf, revisionOf, serviceOf, tenantOf, tenantParams, type ActivatorRow, type AuditRow, type KeyRow, type ReadyInstancesRow, type RevisionRow, type ServiceRow, type TenantRow } from './store-rows.js';
import {
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
      this.audit(ctx, auditEntries.serviceUpserted(name, before, spec));
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
      this.audit(ctx, auditEntries.serviceDeleted(name, revisions));
      return true;
    });
  }

  upsertTenant(id: string, input: TenantInput, ctx: MutationContext = {}): TenantRecord {
    return this.atomically(() => {
      const before = this.getTenant(id);
      const row = this.one<TenantRow>(SQL.upsertTenant, tenantParams(id, input, this.stamp()));
      this.audit(ctx, auditEntries.tenantUpserted(id, before, input));
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
      this.audit(ctx, auditEntries.tenantDeleted(id, keysDeleted));
      return true;
    });
  }

  createKey(tenantId: string, opts: CreateKeyOptions = {}, ctx: MutationContext = {}): CreatedKey {
    return this.atomically(() => {
      if (this.getTenant(tenantId) === undefined) throw new MlaasError('ADMIN_NOT_FOUND', `no tenant ${tenantId}`);
      const created = this.insertKey(tenantId, opts, undefined);
      this.audit(ctx, auditEntries.keyCreated(created.key, opts));
      return created;
    });
  }

  rotateKey(id: string, opts: RotateKeyOptions, ctx: MutationContext = {}): CreatedKey {
    return this.atomically(() => {
      const { old, oldExpiresAt, inherited } = keyRotation(id, this.getKey(id), opts);
      this.conn.run(SQL.expireKey, [oldExpiresAt, id]);
      const created = this.insertKey(old.tenantId, inherited, id);
      this.audit(ctx, auditEntries.keyRotated(old, created.key, oldExpiresAt));
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
      this.audit(ctx, auditEntries.flagsSet(before, document));
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
      this.audit(ctx, auditEntries.keyRevoked(id, row.tenant_id));
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
      this.audit(ctx, auditEntries.revisionCreated(name, service));
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
      this.audit(ctx, auditEntries.revisionStateSet(name, state, reason));
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
      this.audit(ctx, auditEntries.revisionDeleted(name, row.service));
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
      this.audit(ctx, auditEntries.trafficSet(service, before, policy));
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
    return this.conn.query<ReadyInstancesRow>(SQL.listReadyInstances).map(readyInstancesOf);
  }

  setActivator(endpoint: ActivatorEndpoint | undefined): void {
    if (endpoint === undefined) this.conn.run(SQL.deleteActivator, []);
    else this.conn.run(SQL.setActivator, [endpoint.url, endpoint.token, endpoint.issuer, this.stamp()]);
  }

  getActivator(): ActivatorEndpoint | undefined {
    const row = this.conn.query<ActivatorRow>(SQL.getActivator)[0];
    return row && activatorOf(row);
  }

  close(): void {
    this.changes.close();
    this.conn.close();
  }

  private insertKey(tenantId: string, opts: CreateKeyOptions, rotatedFrom: string | undefined): CreatedKey {
    // A taken id is a unique violation, which the connection answers as ADMIN_CONFLICT.
    const { key, secretKey } = newKey(this.random, tenantId, opts, rotatedFrom, this.stamp());
    return { key: keyOf(this.one<KeyRow>(SQL.insertKey, keyParams(key))), secretKey };
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

  private audit(ctx: MutationContext, change: AuditedChange): void {
    this.appendAudit(auditInput(ctx, change));
  }
}
