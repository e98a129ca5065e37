/**
 * The gateway document's quotas in `mlaas status`: each limit, its allowance
 * per minute, and how much of it each tenant used in the last minute (a
 * limit nobody used shows one row with `-`).
 */
import type { DocumentQuotaStatus } from '../gateway/document-quota-status.js';
import { printTable } from './output-format.js';

export function printQuotaTable(quotas: readonly DocumentQuotaStatus[]): void {
  process.stdout.write('\n');
  printTable(
    ['document quota', 'metric', 'per minute', 'tenant', 'used (last 60 s)'],
    quotas.flatMap((q) =>
      q.use.length === 0
        ? [[q.limit, q.metric, String(q.perMinute), '-', '0']]
        : q.use.map((u) => [q.limit, q.metric, String(q.perMinute), u.tenant, String(u.used)]),
    ),
  );
}
