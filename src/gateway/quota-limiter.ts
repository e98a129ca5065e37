/**
 * Rate limits for the gateway over sliding windows: the per-key and
 * per-tenant limits of mlaas.yaml and the admin API, and the gateway
 * document's own (`x-google-management.quota.limits`, charged per operation
 * by `x-google-quota.metricCosts`, counted per consumer — the caller's
 * tenant). "N per minute" means at most N in any 60 seconds, and `burst` at
 * most that many in any one second — never twice the rate across the edge of
 * a clock's or a fixed window's minute. Each key, tenant and (limit,
 * consumer) keeps the times and costs of what it let through in the last
 * window (a ring of at most one entry per admitted request, so memory follows
 * the traffic actually admitted), and a refusal says when enough of it leaves
 * the window: the Retry-After.
 *
 * The limits are passed with each check, so a changed limit applies to the
 * next request: the admitted requests stay counted and only the allowance
 * moves. Time is injected; checks are synchronous.
 */
import type { QuotaCharge } from '../config/index.js';
import type { QuotaChecker } from './quota-checker.js';

export interface RateLimit {
  /** At most this many requests in any 60 seconds. */
  requestsPerMinute: number;
  /** At most this many requests in any one second; no per-second cap when absent. */
  burst?: number;
}

export interface QuotaLimits {
  key?: RateLimit;
  tenant?: RateLimit;
  /** What the operation costs against the gateway document's limits, counted for the consumer. */
  document?: readonly QuotaCharge[];
}

export type QuotaDecision =
  | { allowed: true }
  | {
      allowed: false;
      /** Whole seconds until a request would fit again; ≥ 1. The Retry-After header value. */
      retryAfterSeconds: number;
      /** Which limit refused: the key's own or its tenant's. */
      limitedBy: 'key' | 'tenant';
    }
  | {
      allowed: false;
      retryAfterSeconds: number;
      limitedBy: 'document';
      /** The document limit that refused. */
      charge: QuotaCharge;
    };

/** What a consumer has used of a document limit in the last minute. */
export interface DocumentQuotaUse {
  limit: string;
  consumer: string;
  used: number;
}

const MINUTE_MS = 60_000;
const SECOND_MS = 1_000;
const ALLOWED: QuotaDecision = Object.freeze({ allowed: true });

/**
 * What was admitted within the last window, oldest first, in a growable ring:
 * each entry's time and the running total of cost up to it, so that "how
 * much is in the window" is one subtraction and "when will `n` units have
 * left it" a binary search.
 */
class AdmittedLog {
  #times = new Float64Array(4);
  #totals = new Float64Array(4);
  #head = 0;
  #size = 0;
  /** Cost admitted ever, and the part of it that has left the window. */
  #admitted = 0;
  #left = 0;

  /** Forgets what left the window ending at `now`; answers the cost still in it. */
  usedSince(now: number, windowMs: number): number {
    const times = this.#times;
    while (this.#size > 0 && (times[this.#head] as number) <= now - windowMs) {
      this.#left = this.#totals[this.#head] as number;
      this.#head = (this.#head + 1) % times.length;
      this.#size--;
    }
    return this.#admitted - this.#left;
  }

  /** Milliseconds until at least `units` of the cost in the window (≤ all of it) has left the window ending at `now`. */
  msUntilFreed(units: number, now: number, windowMs: number): number {
    const cap = this.#times.length;
    let lo = 0;
    let hi = this.#size - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.#totals[(this.#head + mid) % cap] as number) - this.#left >= units) hi = mid;
      else lo = mid + 1;
    }
    return (this.#times[(this.#head + lo) % cap] as number) + windowMs - now;
  }

  add(now: number, cost: number): void {
    if (this.#size === this.#times.length) this.#grow();
    const at = (this.#head + this.#size) % this.#times.length;
    this.#admitted += cost;
    this.#times[at] = now;
    this.#totals[at] = this.#admitted;
    this.#size++;
  }

  #grow(): void {
    const cap = this.#times.length;
    const times = new Float64Array(cap * 2);
    const totals = new Float64Array(cap * 2);
    for (let i = 0; i < this.#size; i++) {
      times[i] = this.#times[(this.#head + i) % cap] as number;
      totals[i] = this.#totals[(this.#head + i) % cap] as number;
    }
    this.#times = times;
    this.#totals = totals;
    this.#head = 0;
  }
}

/** One key's or one tenant's admitted requests: over the minute, and over the second when it has a burst limit. */
interface Logs {
  minute: AdmittedLog;
  second: AdmittedLog;
}

export interface QuotaLimiterOptions {
  now?: () => number;
}

export class QuotaLimiter implements QuotaChecker {
  /** Limits counted here are never meant to be shared. */
  readonly degraded = false;
  private readonly keys = new Map<string, Logs>();
  private readonly tenants = new Map<string, Logs>();
  /** Document limit name → consumer → what it admitted; by name, so that counts survive a reloaded document. */
  private readonly documentLimits = new Map<string, Map<string, AdmittedLog>>();
  private readonly now: () => number;

  constructor(options: QuotaLimiterOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Counts one request against the key's and the tenant's limits, and its
   * cost against each document limit it is charged for, with `tenantId` as
   * the consumer. A request refused by any limit is counted by none, so a
   * tenant's refusal does not use up its keys, and a client hammering a
   * refused key does not eat into the allowance a raised limit gives it.
   *
   * @example
   * const decision = quotas.check(key.id, key.tenantId, { key: { requestsPerMinute: 600, burst: 20 } });
   * if (!decision.allowed) answer 429 with `Retry-After: ${decision.retryAfterSeconds}`;
   */
  check(keyId: string, tenantId: string, limits: QuotaLimits): QuotaDecision {
    const charges = limits.document;
    if (limits.key === undefined && limits.tenant === undefined && (charges === undefined || charges.length === 0)) return ALLOWED;
    const now = this.now();
    const key = limits.key === undefined ? undefined : logsOf(this.keys, keyId);
    const tenant = limits.tenant === undefined ? undefined : logsOf(this.tenants, tenantId);
    const keyWait = key === undefined ? 0 : waitMs(key, limits.key as RateLimit, now);
    const tenantWait = tenant === undefined ? 0 : waitMs(tenant, limits.tenant as RateLimit, now);
    let documentWait = 0;
    let refusedBy: QuotaCharge | undefined;
    if (charges !== undefined) {
      for (const charge of charges) {
        const wait = costWaitMs(this.documentLog(charge.limit, tenantId), charge.perMinute, charge.cost, now, MINUTE_MS);
        if (wait > documentWait) {
          documentWait = wait;
          refusedBy = charge;
        }
      }
    }
    if (keyWait > 0 || tenantWait > 0 || refusedBy !== undefined) {
      const retryAfterSeconds = Math.max(1, Math.ceil(Math.max(keyWait, tenantWait, documentWait) / 1000));
      if (refusedBy !== undefined && documentWait >= keyWait && documentWait >= tenantWait) {
        return { allowed: false, retryAfterSeconds, limitedBy: 'document', charge: refusedBy };
      }
      return { allowed: false, retryAfterSeconds, limitedBy: keyWait >= tenantWait ? 'key' : 'tenant' };
    }
    if (key !== undefined) admit(key, limits.key as RateLimit, now);
    if (tenant !== undefined) admit(tenant, limits.tenant as RateLimit, now);
    if (charges !== undefined) for (const charge of charges) this.documentLog(charge.limit, tenantId).add(now, charge.cost);
    return ALLOWED;
  }

  /** Every consumer's use of every document limit within the last minute, where it is above zero. */
  documentUse(): DocumentQuotaUse[] {
    const now = this.now();
    const out: DocumentQuotaUse[] = [];
    for (const [limit, consumers] of this.documentLimits) {
      for (const [consumer, log] of consumers) {
        const used = log.usedSince(now, MINUTE_MS);
        if (used > 0) out.push({ limit, consumer, used });
      }
    }
    return out;
  }

  private documentLog(limit: string, consumer: string): AdmittedLog {
    let consumers = this.documentLimits.get(limit);
    if (consumers === undefined) {
      consumers = new Map();
      this.documentLimits.set(limit, consumers);
    }
    let log = consumers.get(consumer);
    if (log === undefined) {
      log = new AdmittedLog();
      consumers.set(consumer, log);
    }
    return log;
  }
}

function logsOf(map: Map<string, Logs>, id: string): Logs {
  let logs = map.get(id);
  if (logs === undefined) {
    logs = { minute: new AdmittedLog(), second: new AdmittedLog() };
    map.set(id, logs);
  }
  return logs;
}

/** 0 when one more request fits within `limit` at `now`, else how long until it would. */
function waitMs(logs: Logs, limit: RateLimit, now: number): number {
  let wait = costWaitMs(logs.minute, limit.requestsPerMinute, 1, now, MINUTE_MS);
  if (limit.burst !== undefined) wait = Math.max(wait, costWaitMs(logs.second, limit.burst, 1, now, SECOND_MS));
  return wait;
}

/**
 * 0 when `cost` more fits within `allowed` per window at `now`, else how
 * long until enough has left the window. A cost above the allowance never
 * fits (the document's check refuses such a charge at load): a whole window.
 */
function costWaitMs(log: AdmittedLog, allowed: number, cost: number, now: number, windowMs: number): number {
  const used = log.usedSince(now, windowMs);
  const over = used + cost - allowed;
  if (over <= 0) return 0;
  if (over > used) return windowMs;
  return log.msUntilFreed(over, now, windowMs);
}

function admit(logs: Logs, limit: RateLimit, now: number): void {
  logs.minute.add(now, 1);
  if (limit.burst !== undefined) logs.second.add(now, 1);
}
