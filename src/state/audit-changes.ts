/**
 * The diff an audit entry carries (`detail.changes`): the fields a change
 * made, each with its old and new value, as `mlaas plan` words them
 * (config/field-changes.ts). Both state stores record it the same way.
 */
import type { JsonObject } from '../api/json-object.js';
import type { TenantInput, TenantRecord } from '../api/tenant.js';
import { fieldChanges } from '../config/field-changes.js';

export function auditChanges(old: unknown, now: unknown): JsonObject[] {
  // Through JSON: the detail is stored as JSON, and an absent side stays absent.
  return JSON.parse(JSON.stringify(fieldChanges(old, now))) as JsonObject[];
}

/** What of a tenant a change can touch, for its diff (not its timestamps). */
export function tenantFields(t: TenantInput | TenantRecord | undefined): JsonObject | undefined {
  if (t === undefined) return undefined;
  return JSON.parse(
    JSON.stringify({ displayName: t.displayName, config: t.config, attributes: t.attributes ?? {}, quota: t.quota, keyQuota: t.keyQuota }),
  ) as JsonObject;
}
