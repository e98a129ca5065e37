/**
 * The 429 a caller gets when a quota refuses it: whose limit (the key's, the
 * tenant's, or one of the gateway document's, by name) and when to retry, in
 * the detail and in Retry-After. And the 503 when the limits could not be
 * checked at all (their Redis unreachable, `quotas.failOpen: false`).
 */
import type { ErrorCode } from '../errors.js';
import type { QuotaCheckResult } from './quota-checker.js';
import type { QuotaDecision } from './quota-limiter.js';

/**
 * The consumer of a document limit for callers without a tenant (operations
 * that check no key): they share one allowance, as ESPv2 charges the
 * producer's own project for callers without an API key. Not a DNS label, so
 * no tenant can be called that.
 */
export const ANONYMOUS_CONSUMER = '(anonymous)';

export interface QuotaRefusal {
  ok: false;
  code: ErrorCode;
  detail: string;
  headers: Record<string, string>;
  /** The limit that refused, for the rejection counter: `key`, `tenant`, or the document limit's name. */
  quota: { scope: 'key' | 'tenant' | 'document'; limit: string };
}

/** The 503 for limits that could not be checked; Retry-After 1, as the gateway tries its Redis again each second. */
export interface QuotaUnchecked {
  ok: false;
  code: ErrorCode;
  detail: string;
  headers: Record<string, string>;
}

const UNCHECKED: QuotaUnchecked = Object.freeze({
  ok: false,
  code: 'GW_QUOTA_UNAVAILABLE',
  detail: 'the rate limits of this request are kept in a Redis the gateway cannot reach now, and quotas.failOpen is false; retry shortly',
  headers: Object.freeze({ 'retry-after': '1' }) as Record<string, string>,
});

export function quotaRefusal(decision: Exclude<QuotaCheckResult, { allowed: true }>, tenantId: string): QuotaRefusal | QuotaUnchecked {
  return decision.limitedBy === 'unavailable' ? UNCHECKED : overQuota(decision, tenantId);
}

function overQuota(decision: Exclude<QuotaDecision, { allowed: true }>, tenantId: string): QuotaRefusal {
  const retry = `retry in ${decision.retryAfterSeconds}s`;
  let detail: string;
  let limitName: string = decision.limitedBy;
  if (decision.limitedBy === 'document') {
    limitName = decision.charge.limit;
    const { limit, metric, perMinute, cost } = decision.charge;
    const whose = tenantId === ANONYMOUS_CONSUMER ? 'callers without a tenant (they share one allowance) are' : `tenant ${tenantId} is`;
    detail = `${whose} over limit "${limit}" of the gateway document: ${perMinute} per minute of metric ${metric}, this operation costs ${cost}; ${retry}`;
  } else {
    const whose = decision.limitedBy === 'key' ? 'this API key' : `tenant ${tenantId}`;
    detail = `${whose} is over its rate limit; ${retry}`;
  }
  return {
    ok: false,
    code: 'GW_QUOTA_EXCEEDED',
    detail,
    headers: { 'retry-after': String(decision.retryAfterSeconds) },
    quota: { scope: decision.limitedBy, limit: limitName },
  };
}
