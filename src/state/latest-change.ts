/**
 * The store's change counter as gateways and the admin API compare it: the
 * newest audit entry's id (every change made through the admin API is
 * audited), 0 before the first. A gateway reads it before the rest of a
 * snapshot, so that what it reports applied is never newer than what it serves.
 */
import type { AuditEntry } from './state-store.js';

export function latestChange(store: { listAudit(opts: { limit?: number }): AuditEntry[] }): number {
  return store.listAudit({ limit: 1 })[0]?.id ?? 0;
}
