/**
 * The audit entry each audited mutation writes, the same in every store
 * (SQLite, PostgreSQL, the fake): its action, target and detail. A store adds
 * the actor (`auditInput`) and writes it in the mutation's transaction.
 */
import { auditChanges, tenantFields } from './audit-changes.js';
import {
  DEFAULT_ACTOR,
  type AuditInput,
  type CreateKeyOptions,
  type JsonObject,
  type KeyRecord,
  type MutationContext,
  type RevisionState,
  type ServiceRecord,
  type ServiceSpec,
  type TenantInput,
  type TenantRecord,
  type TrafficPolicy,
} from './state-store.js';

export type AuditedChange = Required<Omit<AuditInput, 'actor'>>;

/** The entry `change` writes, by the context's actor (`system` when none is given). */
export function auditInput(ctx: MutationContext, change: AuditedChange): AuditInput {
  return { actor: ctx.actor ?? DEFAULT_ACTOR, ...change };
}

export const auditEntries = {
  serviceUpserted(name: string, before: ServiceRecord | undefined, spec: ServiceSpec): AuditedChange {
    return { action: 'service.upsert', target: `service/${name}`, detail: { created: before === undefined, changes: auditChanges(before?.spec, spec) } };
  },
  serviceDeleted(name: string, revisions: number): AuditedChange {
    return { action: 'service.delete', target: `service/${name}`, detail: { revisions } };
  },
  tenantUpserted(id: string, before: TenantRecord | undefined, input: TenantInput): AuditedChange {
    return { action: 'tenant.upsert', target: `tenant/${id}`, detail: { created: before === undefined, changes: auditChanges(tenantFields(before), tenantFields(input)) } };
  },
  tenantDeleted(id: string, keysDeleted: number): AuditedChange {
    return { action: 'tenant.delete', target: `tenant/${id}`, detail: { keysDeleted } };
  },
  keyCreated(key: KeyRecord, opts: CreateKeyOptions): AuditedChange {
    return { action: 'key.create', target: `key/${key.id}`, detail: { tenantId: key.tenantId, ...(opts.expiresAt ? { expiresAt: opts.expiresAt } : {}) } };
  },
  keyRotated(old: KeyRecord, created: KeyRecord, oldExpiresAt: string): AuditedChange {
    return { action: 'key.rotate', target: `key/${old.id}`, detail: { tenantId: old.tenantId, newKey: created.id, oldExpiresAt } };
  },
  keyRevoked(id: string, tenantId: string): AuditedChange {
    return { action: 'key.revoke', target: `key/${id}`, detail: { tenantId } };
  },
  flagsSet(before: JsonObject | undefined, document: JsonObject): AuditedChange {
    const flags = document['flags'];
    return {
      action: 'flags.set',
      target: 'flags',
      detail: { flags: typeof flags === 'object' && flags !== null ? Object.keys(flags).length : 0, changes: auditChanges(before, document) },
    };
  },
  revisionCreated(name: string, service: string): AuditedChange {
    return { action: 'revision.create', target: `revision/${name}`, detail: { service } };
  },
  revisionStateSet(name: string, state: RevisionState, reason: string | undefined): AuditedChange {
    return { action: 'revision.state', target: `revision/${name}`, detail: { state, ...(reason === undefined ? {} : { reason }) } };
  },
  revisionDeleted(name: string, service: string): AuditedChange {
    return { action: 'revision.delete', target: `revision/${name}`, detail: { service } };
  },
  trafficSet(service: string, before: TrafficPolicy | undefined, policy: TrafficPolicy): AuditedChange {
    return { action: 'traffic.set', target: `service/${service}`, detail: { targets: policy.targets.length, sticky: policy.sticky, changes: auditChanges(before, policy) } };
  },
};
