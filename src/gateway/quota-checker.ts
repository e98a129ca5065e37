/**
 * What the gateway asks of whatever counts its rate limits: the in-process
 * QuotaLimiter (synchronous, the default) or the RedisQuotaLimiter that
 * shares them between gateways (asynchronous, and able to be unreachable).
 */
import type { DocumentQuotaUse, QuotaDecision, QuotaLimits } from './quota-limiter.js';

/** The limits could not be checked (their Redis is unreachable, `failOpen: false`): answer 503, count nothing. */
export interface QuotaUnavailable {
  allowed: false;
  limitedBy: 'unavailable';
}

export type QuotaCheckResult = QuotaDecision | QuotaUnavailable;

export interface QuotaChecker {
  /** Counts one request against `limits`, or refuses it (counted by no limit); see QuotaLimiter.check. */
  check(keyId: string, tenantId: string, limits: QuotaLimits): QuotaCheckResult | Promise<QuotaCheckResult>;
  /** Every consumer's use of every document limit, where it is above zero. */
  documentUse(): DocumentQuotaUse[];
  /** True while limits meant to be shared cannot be: counted in this process only, or refused. */
  readonly degraded: boolean;
}
