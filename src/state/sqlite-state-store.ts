/**
 * The state store on an embedded SQLite file, `<stateDir>/state.db`: WAL so
 * readers never wait for the writer, foreign keys on so a key cannot outlive
 * its tenant, and every mutation in one transaction with its audit row.
 * Other processes' commits reach `onChange` through `PRAGMA data_version`,
 * polled while someone listens; this store's own are told at once.
 */
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { MlaasError } from '../errors.js';
import { auditEntries, auditInput, type AuditedChange } from './audit-entries.js';
import { keyRotation } from './key-rotation.js';
import { duplicateKeyId, newKey } from './new-key.js';
import { openSqliteDatabase } from './open-sqlite-database.js';
import { StoreChangeNotifier } from './store-change-notifier.js';
import {
  type ActivatorEndpoint,
  type AuditEntry,
  type AuditInput,
  type InstanceEndpoint,
  type ReadyInstances,
  type CreateKeyOptions,
  type CreatedKey,
  type JsonObject,
  type KeyRecord,
  type MutationContext,
  type RevisionRecord,
  type RevisionState,
  type ServiceRecord,
  type RotateKeyOptions,
  type ServiceSpec,
  type StateStore,
  type TenantInput,
  type TenantRecord,
  type TrafficPolicy,
} from './state-store.js';
import { revisionName } from './revision-name.js';
import { activatorOf, auditOf, keyOf, keyParams, readyInstancesOf, revisionOf, serviceOf, tenantOf, tenantParams, type ActivatorRow, type AuditRow, type KeyRow, type ReadyInstancesRow, type RevisionRow, type ServiceRow, type TenantRow } from './store-rows.js';

export const STATE_DB_FILE = 'state.db';

export interface SqliteStateStoreOptions {
  /** Directory holding `state.db`; created (owner-only) if missing. */
  stateDir: string;
  now?: () => Date;
  random?: (size: number) => Buffer;
  /**
   * False for a process that reads what a control plane writes (`mlaas
   * gateway`): `state.db` must exist at this mlaas's schema, and is never
   * created or migrated here. Default true.
   */
  migrate?: boolean;
}

/** How often another process's commits are looked for while someone listens. */
const DATA_VERSION_POLL_MS = 250;

const DEFAULT_AUDIT_LIMIT = 100;

export class SqliteStateStore implements StateStore {
  readonly file: string;
  private readonly db: Database.Database;
  private readonly now: () => Date;
  private readonly random: (size: number) => Buffer;
  private readonly sql: Statements;
  private readonly changes = new StoreChangeNotifier((listening) => this.pollDataVersion(listening));
  private poll: NodeJS.Timeout | undefined;
  private dataVersion = 0;

  constructor(options: SqliteStateStoreOptions) {
    this.file = path.join(options.stateDir, STATE_DB_FILE);
    this.now = options.now ?? (() => new Date());
    this.random = options.random ?? randomBytes;
    this.db = openSqliteDatabase(options.stateDir, this.file, options.migrate !== false);
    this.sql = prepareStatements(this.db);
  }


  upsertService(name: string, spec: ServiceSpec, ctx: MutationContext = {}): ServiceRecord {
    return this.atomically(() => {
      const before = this.getService(name);
      const at = this.stamp();
      const row = this.sql.upsertService.get(name, JSON.stringify(spec), at, at) as ServiceRow;
      this.audit(ctx, auditEntries.serviceUpserted(name, before, spec));
      return serviceOf(row);
    });
  }

  getService(name: string): ServiceRecord | undefined {
    const row = this.sql.getService.get(name);
    return row && serviceOf(row);
  }

  listServices(): ServiceRecord[] {
    return this.sql.listServices.all().map(serviceOf);
  }

  deleteService(name: string, ctx: MutationContext = {}): boolean {
    return this.atomically(() => {
      if (this.sql.deleteService.run(name).changes === 0) return false;
      const revisions = this.sql.deleteServiceRevisions.run(name).changes;
      this.sql.deleteTraffic.run(name);
      this.audit(ctx, auditEntries.serviceDeleted(name, revisions));
      return true;
    });
  }

  upsertTenant(id: string, input: TenantInput, ctx: MutationContext = {}): TenantRecord {
    return this.atomically(() => {
      const before = this.getTenant(id);
      const row = this.sql.upsertTenant.get(...tenantParams(id, input, this.stamp())) as TenantRow;
      this.audit(ctx, auditEntries.tenantUpserted(id, before, input));
      return tenantOf(row);
    });
  }

  getTenant(id: string): TenantRecord | undefined {
    const row = this.sql.getTenant.get(id);
    return row && tenantOf(row);
  }

  listTenants(): TenantRecord[] {
    return this.sql.listTenants.all().map(tenantOf);
  }

  deleteTenant(id: string, ctx: MutationContext = {}): boolean {
    return this.atomically(() => {
      const keysDeleted = this.sql.countTenantKeys.get(id)?.n ?? 0;
      if (this.sql.deleteTenant.run(id).changes === 0) return false;
      this.audit(ctx, auditEntries.tenantDeleted(id, keysDeleted));
      return true;
    });
  }

  createKey(tenantId: string, opts: CreateKeyOptions = {}, ctx: MutationContext = {}): CreatedKey {
    return this.atomically(() => {
      if (this.sql.getTenant.get(tenantId) === undefined) {
        throw new MlaasError('ADMIN_NOT_FOUND', `no tenant ${tenantId}`);
      }
      const created = this.insertKey(tenantId, opts, undefined);
      this.audit(ctx, auditEntries.keyCreated(created.key, opts));
      return created;
    });
  }

  rotateKey(id: string, opts: RotateKeyOptions, ctx: MutationContext = {}): CreatedKey {
    return this.atomically(() => {
      const { old, oldExpiresAt, inherited } = keyRotation(id, this.getKey(id), opts);
      this.sql.expireKey.run(oldExpiresAt, id);
      const created = this.insertKey(old.tenantId, inherited, id);
      this.audit(ctx, auditEntries.keyRotated(old, created.key, oldExpiresAt));
      return created;
    });
  }

  getFlags(): JsonObject | undefined {
    const row = this.sql.getFlags.get();
    return row && (JSON.parse(row.document) as JsonObject);
  }

  setFlags(document: JsonObject, ctx: MutationContext = {}): void {
    this.atomically(() => {
      const before = this.getFlags();
      this.sql.setFlags.run(JSON.stringify(document), this.stamp());
      this.audit(ctx, auditEntries.flagsSet(before, document));
    });
  }

  getApplied(resource: string): JsonObject | undefined {
    const row = this.sql.getApplied.get(resource);
    return row && (JSON.parse(row.declaration) as JsonObject);
  }

  setApplied(resource: string, declaration: JsonObject | undefined): void {
    if (declaration === undefined) this.sql.deleteApplied.run(resource);
    else this.sql.setApplied.run(resource, JSON.stringify(declaration), this.stamp());
    this.changes.changed();
  }

  private insertKey(tenantId: string, opts: CreateKeyOptions, rotatedFrom: string | undefined): CreatedKey {
    const { key, secretKey } = newKey(this.random, tenantId, opts, rotatedFrom, this.stamp());
    let row: KeyRow;
    try {
      row = this.sql.insertKey.get(...keyParams(key)) as KeyRow;
    } catch (err) {
      // A unique violation is a conflict, as PostgreSQL's is (postgres-connection.ts).
      if ((err as { code?: unknown }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw duplicateKeyId(key.id, err);
      throw err;
    }
    return { key: keyOf(row), secretKey };
  }

  listKeys(tenantId?: string): KeyRecord[] {
    const rows = tenantId === undefined ? this.sql.listKeys.all() : this.sql.listTenantKeys.all(tenantId);
    return rows.map(keyOf);
  }

  getKey(id: string): KeyRecord | undefined {
    const row = this.sql.getKey.get(id);
    return row && keyOf(row);
  }

  revokeKey(id: string, ctx: MutationContext = {}): KeyRecord | undefined {
    return this.atomically(() => {
      const row = this.sql.revokeKey.get(this.stamp(), id);
      if (row === undefined) return this.getKey(id);
      this.audit(ctx, auditEntries.keyRevoked(id, row.tenant_id));
      return keyOf(row);
    });
  }

  touchKey(id: string, at: Date = this.now()): void {
    this.sql.touchKey.run(at.toISOString(), id);
    this.changes.changed();
  }

  createRevision(service: string, spec: JsonObject, ctx: MutationContext = {}): RevisionRecord {
    return this.atomically(() => {
      const number = (this.sql.maxRevisionNumber.get(service)?.n ?? 0) + 1;
      const name = revisionName(service, number);
      const row = this.sql.insertRevision.get(name, service, number, JSON.stringify(spec), this.stamp()) as RevisionRow;
      this.audit(ctx, auditEntries.revisionCreated(name, service));
      return revisionOf(row);
    });
  }

  getRevision(name: string): RevisionRecord | undefined {
    const row = this.sql.getRevision.get(name);
    return row && revisionOf(row);
  }

  listRevisions(service?: string): RevisionRecord[] {
    const rows = service === undefined ? this.sql.listRevisions.all() : this.sql.listServiceRevisions.all(service);
    return rows.map(revisionOf);
  }

  setRevisionState(name: string, state: RevisionState, reason?: string, ctx: MutationContext = {}): RevisionRecord | undefined {
    return this.atomically(() => {
      const row = this.sql.setRevisionState.get(state, reason ?? null, name);
      if (row === undefined) return undefined;
      this.audit(ctx, auditEntries.revisionStateSet(name, state, reason));
      return revisionOf(row);
    });
  }

  markFullTraffic(name: string): void {
    this.sql.markFullTraffic.run(this.stamp(), name);
    this.changes.changed();
  }

  markInactive(name: string): void {
    this.sql.markInactive.run(this.stamp(), name);
    this.changes.changed();
  }

  deleteRevision(name: string, ctx: MutationContext = {}): boolean {
    return this.atomically(() => {
      const row = this.sql.deleteRevision.get(name);
      if (row === undefined) return false;
      this.audit(ctx, auditEntries.revisionDeleted(name, row.service));
      return true;
    });
  }

  getTraffic(service: string): TrafficPolicy | undefined {
    const row = this.sql.getTraffic.get(service);
    return row && (JSON.parse(row.policy) as TrafficPolicy);
  }

  setTraffic(service: string, policy: TrafficPolicy, ctx: MutationContext = {}): TrafficPolicy {
    return this.atomically(() => {
      const before = this.getTraffic(service);
      this.sql.setTraffic.run(service, JSON.stringify(policy), this.stamp());
      this.audit(ctx, auditEntries.trafficSet(service, before, policy));
      return structuredClone(policy);
    });
  }

  setReadyInstances(revision: string, instances: readonly InstanceEndpoint[]): void {
    if (instances.length === 0) this.sql.deleteReadyInstances.run(revision);
    else {
      const endpoints = instances.map(({ id, host, port }) => ({ id, host, port }));
      this.sql.setReadyInstances.run(revision, JSON.stringify(endpoints), this.stamp());
    }
    this.changes.changed();
  }

  listReadyInstances(): ReadyInstances[] {
    return this.sql.listReadyInstances.all().map(readyInstancesOf);
  }

  setActivator(endpoint: ActivatorEndpoint | undefined): void {
    if (endpoint === undefined) this.sql.deleteActivator.run();
    else this.sql.setActivator.run(endpoint.url, endpoint.token, endpoint.issuer, this.stamp());
    this.changes.changed();
  }

  getActivator(): ActivatorEndpoint | undefined {
    const row = this.sql.getActivator.get();
    return row && activatorOf(row);
  }

  appendAudit(entry: AuditInput): AuditEntry {
    const row = this.sql.insertAudit.get(
      this.stamp(),
      entry.actor,
      entry.action,
      entry.target,
      JSON.stringify(entry.detail ?? {}),
    ) as AuditRow;
    // Every audited mutation passes here; one that a failing transaction undoes only costs listeners a needless look.
    this.changes.changed();
    return auditOf(row);
  }

  listAudit(opts: { limit?: number } = {}): AuditEntry[] {
    return this.sql.listAudit.all(opts.limit ?? DEFAULT_AUDIT_LIMIT).map(auditOf);
  }

  atomically<T>(fn: () => T): T {
    // better-sqlite3 turns a nested call into a savepoint, so blocks compose.
    return this.db.transaction(fn)();
  }

  onChange(listener: () => void): () => void {
    return this.changes.listen(listener);
  }

  close(): void {
    this.changes.close();
    this.db.close();
  }

  /** `data_version` moves when another connection commits (never for this one's own commits, told directly). */
  private pollDataVersion(listening: boolean): void {
    if (this.poll !== undefined) clearInterval(this.poll);
    this.poll = undefined;
    if (!listening || !this.db.open) return;
    this.dataVersion = this.readDataVersion();
    this.poll = setInterval(() => {
      let version: number;
      try {
        version = this.readDataVersion();
      } catch {
        // A database that cannot be read now has nothing new to tell; the next poll tries again.
        return;
      }
      if (version === this.dataVersion) return;
      this.dataVersion = version;
      this.changes.changed();
    }, DATA_VERSION_POLL_MS);
    this.poll.unref();
  }

  private readDataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  private stamp(): string {
    return this.now().toISOString();
  }

  private audit(ctx: MutationContext, change: AuditedChange): void {
    this.appendAudit(auditInput(ctx, change));
  }
}

type Statements = ReturnType<typeof prepareStatements>;

/** Prepared once at open: the statements every call reuses. */
function prepareStatements(db: Database.Database) {
  return {
    upsertService: db.prepare<[string, string, string, string], ServiceRow>(
      `INSERT INTO services (name, spec, created_at, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at
       RETURNING *`,
    ),
    getService: db.prepare<[string], ServiceRow>('SELECT * FROM services WHERE name = ?'),
    listServices: db.prepare<[], ServiceRow>('SELECT * FROM services ORDER BY name'),
    deleteService: db.prepare<[string]>('DELETE FROM services WHERE name = ?'),
    upsertTenant: db.prepare<[string, string, string, string, string | null, string | null, string, string], TenantRow>(
      `INSERT INTO tenants (id, display_name, config, attributes, quota, key_quota, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, config = excluded.config,
         attributes = excluded.attributes, quota = excluded.quota, key_quota = excluded.key_quota,
         updated_at = excluded.updated_at
       RETURNING *`,
    ),
    getTenant: db.prepare<[string], TenantRow>('SELECT * FROM tenants WHERE id = ?'),
    listTenants: db.prepare<[], TenantRow>('SELECT * FROM tenants ORDER BY id'),
    deleteTenant: db.prepare<[string]>('DELETE FROM tenants WHERE id = ?'),
    countTenantKeys: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM api_keys WHERE tenant_id = ?'),
    insertKey: db.prepare<
      [string, string, string, string, string | null, string | null, string | null, string | null, number, string | null],
      KeyRow
    >(
      `INSERT INTO api_keys (id, tenant_id, hash, created_at, expires_at, description, scopes, quota, allow_tags, rotated_from)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       RETURNING *`,
    ),
    expireKey: db.prepare<[string, string]>('UPDATE api_keys SET expires_at = ? WHERE id = ?'),
    getFlags: db.prepare<[], { document: string }>('SELECT document FROM flags WHERE id = 1'),
    setFlags: db.prepare<[string, string]>(
      `INSERT INTO flags (id, document, updated_at) VALUES (1, ?, ?)
       ON CONFLICT (id) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at`,
    ),
    getApplied: db.prepare<[string], { declaration: string }>('SELECT declaration FROM applied WHERE resource = ?'),
    setApplied: db.prepare<[string, string, string]>(
      `INSERT INTO applied (resource, declaration, applied_at) VALUES (?, ?, ?)
       ON CONFLICT (resource) DO UPDATE SET declaration = excluded.declaration, applied_at = excluded.applied_at`,
    ),
    deleteApplied: db.prepare<[string]>('DELETE FROM applied WHERE resource = ?'),
    getKey: db.prepare<[string], KeyRow>('SELECT * FROM api_keys WHERE id = ?'),
    listKeys: db.prepare<[], KeyRow>('SELECT * FROM api_keys ORDER BY created_at, id'),
    listTenantKeys: db.prepare<[string], KeyRow>('SELECT * FROM api_keys WHERE tenant_id = ? ORDER BY created_at, id'),
    revokeKey: db.prepare<[string, string], KeyRow>(
      'UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL RETURNING *',
    ),
    touchKey: db.prepare<[string, string]>('UPDATE api_keys SET last_used_at = ? WHERE id = ?'),
    insertAudit: db.prepare<[string, string, string, string, string], AuditRow>(
      'INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?) RETURNING *',
    ),
    listAudit: db.prepare<[number], AuditRow>('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?'),
    maxRevisionNumber: db.prepare<[string], { n: number | null }>('SELECT max(number) AS n FROM revisions WHERE service = ?'),
    insertRevision: db.prepare<[string, string, number, string, string], RevisionRow>(
      `INSERT INTO revisions (name, service, number, spec, created_at, state) VALUES (?, ?, ?, ?, ?, 'pending') RETURNING *`,
    ),
    getRevision: db.prepare<[string], RevisionRow>('SELECT * FROM revisions WHERE name = ?'),
    listRevisions: db.prepare<[], RevisionRow>('SELECT * FROM revisions ORDER BY service, number'),
    listServiceRevisions: db.prepare<[string], RevisionRow>('SELECT * FROM revisions WHERE service = ? ORDER BY number'),
    setRevisionState: db.prepare<[string, string | null, string], RevisionRow>(
      'UPDATE revisions SET state = ?, reason = ? WHERE name = ? RETURNING *',
    ),
    markFullTraffic: db.prepare<[string, string]>('UPDATE revisions SET full_traffic_at = ? WHERE name = ?'),
    markInactive: db.prepare<[string, string]>('UPDATE revisions SET last_active_at = ? WHERE name = ?'),
    deleteRevision: db.prepare<[string], { service: string }>('DELETE FROM revisions WHERE name = ? RETURNING service'),
    deleteServiceRevisions: db.prepare<[string]>('DELETE FROM revisions WHERE service = ?'),
    deleteTraffic: db.prepare<[string]>('DELETE FROM traffic WHERE service = ?'),
    getTraffic: db.prepare<[string], { policy: string }>('SELECT policy FROM traffic WHERE service = ?'),
    setReadyInstances: db.prepare<[string, string, string]>(
      `INSERT INTO ready_instances (revision, instances, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (revision) DO UPDATE SET instances = excluded.instances, updated_at = excluded.updated_at`,
    ),
    deleteReadyInstances: db.prepare<[string]>('DELETE FROM ready_instances WHERE revision = ?'),
    listReadyInstances: db.prepare<[], ReadyInstancesRow>(
      'SELECT * FROM ready_instances ORDER BY revision',
    ),
    setActivator: db.prepare<[string, string, string, string]>(
      `INSERT INTO activator (id, url, token, issuer, updated_at) VALUES (1, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET url = excluded.url, token = excluded.token, issuer = excluded.issuer, updated_at = excluded.updated_at`,
    ),
    deleteActivator: db.prepare<[]>('DELETE FROM activator'),
    getActivator: db.prepare<[], ActivatorRow>('SELECT url, token, issuer FROM activator WHERE id = 1'),
    setTraffic: db.prepare<[string, string, string]>(
      `INSERT INTO traffic (service, policy, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (service) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at`,
    ),
  };
}
