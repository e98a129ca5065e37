/**
 * What `mlaas status` shows of the gateway document's quotas: each limit the
 * document charges (name, metric, allowance per minute) with every
 * consumer's use of it in the last minute.
 */
import type { PreparedOperation } from './prepared-operation.js';
import type { DocumentQuotaUse } from './quota-limiter.js';

export interface DocumentQuotaStatus {
  limit: string;
  metric: string;
  perMinute: number;
  /** Consumers (tenants, or `(anonymous)`) with use above zero, the busiest first. */
  use: { tenant: string; used: number }[];
}

export function documentQuotaStatus(operations: readonly PreparedOperation[], use: readonly DocumentQuotaUse[]): DocumentQuotaStatus[] {
  const limits = new Map<string, DocumentQuotaStatus>();
  for (const op of operations) {
    for (const { limit, metric, perMinute } of op.quota) {
      if (!limits.has(limit)) limits.set(limit, { limit, metric, perMinute, use: [] });
    }
  }
  for (const u of use) limits.get(u.limit)?.use.push({ tenant: u.consumer, used: u.used });
  const out = [...limits.values()].sort((a, b) => a.limit.localeCompare(b.limit));
  for (const s of out) s.use.sort((a, b) => b.used - a.used || a.tenant.localeCompare(b.tenant));
  return out;
}
