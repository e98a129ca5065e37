/**
 * An in-memory `StateStore` for other parts' unit tests: the same contract as
 * `SqliteStateStore` (the shared contract tests run against both), no file,
 * no native module.
 */
import { randomBytes } from 'node:crypto';
import { MlaasError } from '../errors.js';
import { auditEntries, auditInput, type AuditedChange } from './audit-entries.js';
import { keyRotation } from './key-rotation.js';
import { duplicateKeyId, newKey } from './new-key.js';
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
import { StoreChangeNotifier } from './store-change-notifier.js';

interface State {
  services: Map<string, ServiceRecord>;
  tenants: Map<string, TenantRecord>;
  keys: Map<string, KeyRecord>;
  revisions: Map<string, RevisionRecord>;
  traffic: Map<string, TrafficPolicy>;
  flags: JsonObject | undefined;
  applied: Map<string, JsonObject>;
  readyInstances: Map<string, ReadyInstances>;
  activator: ActivatorEndpoint | undefined;
  audit: AuditEntry[];
}

const emptyState = (): State => ({
  services: new Map(),
  tenants: new Map(),
  keys: new Map(),
  revisions: new Map(),
  traffic: new Map(),
  flags: undefined,
  applied: new Map(),
  readyInstances: new Map(),
  activator: undefined,
  audit: [],
});

const DEFAULT_AUDIT_LIMIT = 100;

export class FakeStateStore implements StateStore {
  private state: State = emptyState();
  private readonly now: () => Date;
  private readonly random: (size: number) => Buffer;
  // One process holds the fake: every change is its own, told to listeners directly.
  private readonly changes = new StoreChangeNotifier();

  constructor(options: { now?: () => Date; random?: (size: number) => Buffer } = {}) {
    this.now = options.now ?? (() => new Date());
    this.random = options.random ?? randomBytes;
  }

  upsertService(name: string, spec: ServiceSpec, ctx: MutationContext = {}): ServiceRecord {
    return this.atomically(() => {
      const previous = this.state.services.get(name);
      const at = this.stamp();
      const record = { name, spec: structuredClone(spec), createdAt: previous?.createdAt ?? at, updatedAt: at };
      this.state.services.set(name, record);
      this.audit(ctx, auditEntries.serviceUpserted(name, previous, spec));
      return structuredClone(record);
    });
  }

  getService(name: string): ServiceRecord | undefined {
    return copy(this.state.services.get(name));
  }

  listServices(): ServiceRecord[] {
    return sortedValues(this.state.services);
  }

  deleteService(name: string, ctx: MutationContext = {}): boolean {
    return this.atomically(() => {
      if (!this.state.services.delete(name)) return false;
      let revisions = 0;
      for (const rev of [...this.state.revisions.values()]) {
        if (rev.service === name && this.state.revisions.delete(rev.name)) revisions++;
      }
      this.state.traffic.delete(name);
      this.audit(ctx, auditEntries.serviceDeleted(name, revisions));
      return true;
    });
  }

  upsertTenant(id: string, input: TenantInput, ctx: MutationContext = {}): TenantRecord {
    return this.atomically(() => {
      const previous = this.state.tenants.get(id);
      const at = this.stamp();
      const record: TenantRecord = {
        id,
        displayName: input.displayName,
        config: structuredClone(input.config),
        attributes: structuredClone(input.attributes ?? {}),
        createdAt: previous?.createdAt ?? at,
        updatedAt: at,
      };
      if (input.quota !== undefined) record.quota = structuredClone(input.quota);
      if (input.keyQuota !== undefined) record.keyQuota = structuredClone(input.keyQuota);
      this.state.tenants.set(id, record);
      this.audit(ctx, auditEntries.tenantUpserted(id, previous, input));
      return structuredClone(record);
    });
  }

  getTenant(id: string): TenantRecord | undefined {
    return copy(this.state.tenants.get(id));
  }

  listTenants(): TenantRecord[] {
    return sortedValues(this.state.tenants);
  }

  deleteTenant(id: string, ctx: MutationContext = {}): boolean {
    return this.atomically(() => {
      if (!this.state.tenants.delete(id)) return false;
      let keysDeleted = 0;
      for (const key of [...this.state.keys.values()]) {
        if (key.tenantId === id) {
          this.state.keys.delete(key.id);
          keysDeleted++;
        }
      }
      this.audit(ctx, auditEntries.tenantDeleted(id, keysDeleted));
      return true;
    });
  }

  createKey(tenantId: string, opts: CreateKeyOptions = {}, ctx: MutationContext = {}): CreatedKey {
    return this.atomically(() => {
      if (!this.state.tenants.has(tenantId)) throw new MlaasError('ADMIN_NOT_FOUND', `no tenant ${tenantId}`);
      const created = this.insertKey(tenantId, opts, undefined);
      this.audit(ctx, auditEntries.keyCreated(created.key, opts));
      return created;
    });
  }

  rotateKey(id: string, opts: RotateKeyOptions, ctx: MutationContext = {}): CreatedKey {
    return this.atomically(() => {
      const { old, oldExpiresAt, inherited } = keyRotation(id, this.state.keys.get(id), opts);
      old.expiresAt = oldExpiresAt;
      const created = this.insertKey(old.tenantId, inherited, id);
      this.audit(ctx, auditEntries.keyRotated(old, created.key, oldExpiresAt));
      return created;
    });
  }

  getApplied(resource: string): JsonObject | undefined {
    return copy(this.state.applied.get(resource));
  }

  setApplied(resource: string, declaration: JsonObject | undefined): void {
    if (declaration === undefined) this.state.applied.delete(resource);
    else this.state.applied.set(resource, structuredClone(declaration));
    this.changes.changed();
  }

  getFlags(): JsonObject | undefined {
    return copy(this.state.flags);
  }

  setFlags(document: JsonObject, ctx: MutationContext = {}): void {
    this.atomically(() => {
      const before = this.state.flags;
      this.state.flags = structuredClone(document);
      this.audit(ctx, auditEntries.flagsSet(before, document));
    });
  }

  private insertKey(tenantId: string, opts: CreateKeyOptions, rotatedFrom: string | undefined): CreatedKey {
    const { key, secretKey } = newKey(this.random, tenantId, opts, rotatedFrom, this.stamp());
    // The real stores' primary key refuses a duplicate id; the fake must fail the same way.
    if (this.state.keys.has(key.id)) throw duplicateKeyId(key.id);
    this.state.keys.set(key.id, key);
    return { key: structuredClone(key), secretKey };
  }

  listKeys(tenantId?: string): KeyRecord[] {
    return [...this.state.keys.values()]
      .filter((k) => tenantId === undefined || k.tenantId === tenantId)
      .sort((a, b) => compare(a.createdAt, b.createdAt) || compare(a.id, b.id))
      .map((k) => structuredClone(k));
  }

  getKey(id: string): KeyRecord | undefined {
    return copy(this.state.keys.get(id));
  }

  revokeKey(id: string, ctx: MutationContext = {}): KeyRecord | undefined {
    return this.atomically(() => {
      const key = this.state.keys.get(id);
      if (key === undefined || key.revokedAt !== undefined) return copy(key);
      key.revokedAt = this.stamp();
      this.audit(ctx, auditEntries.keyRevoked(id, key.tenantId));
      return structuredClone(key);
    });
  }

  touchKey(id: string, at: Date = this.now()): void {
    const key = this.state.keys.get(id);
    if (key !== undefined) key.lastUsedAt = at.toISOString();
    this.changes.changed();
  }

  createRevision(service: string, spec: JsonObject, ctx: MutationContext = {}): RevisionRecord {
    return this.atomically(() => {
      const number = Math.max(0, ...this.listRevisions(service).map((r) => r.number)) + 1;
      const name = revisionName(service, number);
      const record: RevisionRecord = { name, service, number, spec: structuredClone(spec), createdAt: this.stamp(), state: 'pending' };
      this.state.revisions.set(name, record);
      this.audit(ctx, auditEntries.revisionCreated(name, service));
      return structuredClone(record);
    });
  }

  getRevision(name: string): RevisionRecord | undefined {
    return copy(this.state.revisions.get(name));
  }

  listRevisions(service?: string): RevisionRecord[] {
    return [...this.state.revisions.values()]
      .filter((r) => service === undefined || r.service === service)
      .sort((a, b) => compare(a.service, b.service) || a.number - b.number)
      .map((r) => structuredClone(r));
  }

  setRevisionState(name: string, state: RevisionState, reason?: string, ctx: MutationContext = {}): RevisionRecord | undefined {
    return this.atomically(() => {
      const rev = this.state.revisions.get(name);
      if (rev === undefined) return undefined;
      rev.state = state;
      if (reason === undefined) delete rev.reason;
      else rev.reason = reason;
      this.audit(ctx, auditEntries.revisionStateSet(name, state, reason));
      return structuredClone(rev);
    });
  }

  markFullTraffic(name: string): void {
    const rev = this.state.revisions.get(name);
    if (rev !== undefined) rev.fullTrafficAt = this.stamp();
    this.changes.changed();
  }

  markInactive(name: string): void {
    const rev = this.state.revisions.get(name);
    if (rev !== undefined) rev.lastActiveAt = this.stamp();
    this.changes.changed();
  }

  deleteRevision(name: string, ctx: MutationContext = {}): boolean {
    return this.atomically(() => {
      const rev = this.state.revisions.get(name);
      if (rev === undefined) return false;
      this.state.revisions.delete(name);
      this.audit(ctx, auditEntries.revisionDeleted(name, rev.service));
      return true;
    });
  }

  getTraffic(service: string): TrafficPolicy | undefined {
    return copy(this.state.traffic.get(service));
  }

  setTraffic(service: string, policy: TrafficPolicy, ctx: MutationContext = {}): TrafficPolicy {
    return this.atomically(() => {
      const before = this.state.traffic.get(service);
      this.state.traffic.set(service, structuredClone(policy));
      this.audit(ctx, auditEntries.trafficSet(service, before, policy));
      return structuredClone(policy);
    });
  }

  setReadyInstances(revision: string, instances: readonly InstanceEndpoint[]): void {
    if (instances.length === 0) this.state.readyInstances.delete(revision);
    else {
      const endpoints = instances.map(({ id, host, port }) => ({ id, host, port }));
      this.state.readyInstances.set(revision, { revision, instances: endpoints, updatedAt: this.stamp() });
    }
    this.changes.changed();
  }

  listReadyInstances(): ReadyInstances[] {
    return sortedValues(this.state.readyInstances);
  }

  setActivator(endpoint: ActivatorEndpoint | undefined): void {
    this.state.activator = endpoint && { url: endpoint.url, token: endpoint.token, issuer: endpoint.issuer };
    this.changes.changed();
  }

  getActivator(): ActivatorEndpoint | undefined {
    return copy(this.state.activator);
  }

  appendAudit(entry: AuditInput): AuditEntry {
    const last = this.state.audit[this.state.audit.length - 1];
    const row: AuditEntry = {
      id: (last?.id ?? 0) + 1,
      at: this.stamp(),
      actor: entry.actor,
      action: entry.action,
      target: entry.target,
      detail: structuredClone(entry.detail ?? {}),
    };
    this.state.audit.push(row);
    // Every audited mutation passes here; one that a failing block undoes only costs listeners a needless look.
    this.changes.changed();
    return structuredClone(row);
  }

  listAudit(opts: { limit?: number } = {}): AuditEntry[] {
    const limit = opts.limit ?? DEFAULT_AUDIT_LIMIT;
    if (limit <= 0) return [];
    return this.state.audit.slice(-limit).reverse().map((e) => structuredClone(e));
  }

  atomically<T>(fn: () => T): T {
    // Copy-on-enter is slow but obviously right, which is what a fake is for.
    const before = structuredClone(this.state);
    try {
      return fn();
    } catch (err) {
      this.state = before;
      throw err;
    }
  }

  onChange(listener: () => void): () => void {
    return this.changes.listen(listener);
  }

  close(): void {
    this.changes.close();
    this.state = emptyState();
  }

  private stamp(): string {
    return this.now().toISOString();
  }

  private audit(ctx: MutationContext, change: AuditedChange): void {
    this.appendAudit(auditInput(ctx, change));
  }
}

function copy<T>(value: T | undefined): T | undefined {
  return value === undefined ? undefined : structuredClone(value);
}

function sortedValues<T>(map: Map<string, T>): T[] {
  return [...map.entries()].sort(([a], [b]) => compare(a, b)).map(([, v]) => structuredClone(v));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

