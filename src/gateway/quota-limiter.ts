/**
 * Per-key and per-tenant rate limits for the gateway over sliding windows:
 * "N requests per minute" means at most N in any 60 seconds, and `burst` at
 * most that many in any one second — never twice the rate across the edge
 * of a clock's or a fixed window's minute. Each key and tenant keeps the
 * times of the requests it let through in the last window (a ring of at most
 * N entries, so memory follows the traffic actually admitted), and a refusal
 * says when the oldest of them leaves the window: the Retry-After.
 *
 * The limits are passed with each check, so a changed limit applies to the
 * next request: the admitted requests stay counted and only the allowance
 * moves. Time is injected; checks are synchronous.
 */

export interface RateLimit {
  /** At most this many requests in any 60 seconds. */
  requestsPerMinute: number;
  /** At most this many requests in any one second; no per-second cap when absent. */
  burst?: number;
}

export interface QuotaLimits {
  key?: RateLimit;
  tenant?: RateLimit;
}

export type QuotaDecision =
  | { allowed: true }
  | {
      allowed: false;
      /** Whole seconds until a request would fit again; ≥ 1. The Retry-After header value. */
      retryAfterSeconds: number;
      /** Which limit refused: the key's own or its tenant's. */
      limitedBy: 'key' | 'tenant';
    };

const MINUTE_MS = 60_000;
const SECOND_MS = 1_000;
const ALLOWED: QuotaDecision = Object.freeze({ allowed: true });

/** The times (ms) of the requests admitted within the last window, oldest first, in a growable ring. */
class AdmittedLog {
  #times = new Float64Array(4);
  #head = 0;
  #size = 0;

  /** Forgets the requests that left the window ending at `now`; answers how many are left. */
  countSince(now: number, windowMs: number): number {
    const times = this.#times;
    while (this.#size > 0 && (times[this.#head] as number) <= now - windowMs) {
      this.#head = (this.#head + 1) % times.length;
      this.#size--;
    }
    return this.#size;
  }

  /** Milliseconds until the `n`-th oldest request (0-based) leaves the window ending at `now`. */
  msUntilLeaves(n: number, now: number, windowMs: number): number {
    const at = this.#times[(this.#head + n) % this.#times.length] as number;
    return at + windowMs - now;
  }

  add(now: number): void {
    if (this.#size === this.#times.length) this.#grow();
    this.#times[(this.#head + this.#size) % this.#times.length] = now;
    this.#size++;
  }

  #grow(): void {
    const next = new Float64Array(this.#times.length * 2);
    for (let i = 0; i < this.#size; i++) next[i] = this.#times[(this.#head + i) % this.#times.length] as number;
    this.#times = next;
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

export class QuotaLimiter {
  private readonly keys = new Map<string, Logs>();
  private readonly tenants = new Map<string, Logs>();
  private readonly now: () => number;

  constructor(options: QuotaLimiterOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Counts one request against the key's and the tenant's limits. A request
   * refused by any limit is counted by none, so a tenant's refusal does not
   * use up its keys, and a client hammering a refused key does not eat into
   * the allowance a raised limit gives it.
   *
   * @example
   * const decision = quotas.check(key.id, key.tenantId, { key: { requestsPerMinute: 600, burst: 20 } });
   * if (!decision.allowed) answer 429 with `Retry-After: ${decision.retryAfterSeconds}`;
   */
  check(keyId: string, tenantId: string, limits: QuotaLimits): QuotaDecision {
    if (limits.key === undefined && limits.tenant === undefined) return ALLOWED;
    const now = this.now();
    const key = limits.key === undefined ? undefined : logsOf(this.keys, keyId);
    const tenant = limits.tenant === undefined ? undefined : logsOf(this.tenants, tenantId);
    const keyWait = key === undefined ? 0 : waitMs(key, limits.key as RateLimit, now);
    const tenantWait = tenant === undefined ? 0 : waitMs(tenant, limits.tenant as RateLimit, now);
    if (keyWait > 0 || tenantWait > 0) {
      const limitedBy = keyWait >= tenantWait ? 'key' : 'tenant';
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(Math.max(keyWait, tenantWait) / 1000)), limitedBy };
    }
    if (key !== undefined) admit(key, limits.key as RateLimit, now);
    if (tenant !== undefined) admit(tenant, limits.tenant as RateLimit, now);
    return ALLOWED;
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
  let wait = 0;
  const inMinute = logs.minute.countSince(now, MINUTE_MS);
  if (inMinute >= limit.requestsPerMinute) {
    wait = logs.minute.msUntilLeaves(inMinute - limit.requestsPerMinute, now, MINUTE_MS);
  }
  if (limit.burst !== undefined) {
    const inSecond = logs.second.countSince(now, SECOND_MS);
    if (inSecond >= limit.burst) wait = Math.max(wait, logs.second.msUntilLeaves(inSecond - limit.burst, now, SECOND_MS));
  }
  return wait;
}

function admit(logs: Logs, limit: RateLimit, now: number): void {
  logs.minute.add(now);
  if (limit.burst !== undefined) logs.second.add(now);
}
