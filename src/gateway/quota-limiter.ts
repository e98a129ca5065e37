/**
 * Per-key and per-tenant rate limits for the gateway: "N requests per
 * minute" over fixed one-minute windows, optionally capped at `burst`
 * requests within one second so that a minute's allowance cannot land on the
 * backends all at once. Counting is rate-limiter-flexible's RateLimiterMemory
 * (one minute limiter and one burst limiter per key and per tenant); this
 * file only decides which windows apply and turns a refusal into Retry-After.
 *
 * The limits are passed with each check, so a changed limit applies to the
 * next request: the window keeps its count and only the allowance moves.
 * rate-limiter-flexible reads `Date.now()` and takes no injected clock.
 */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

export interface RateLimit {
  /** Requests allowed in each one-minute window. */
  requestsPerMinute: number;
  /** At most this many requests within one second; no per-second cap when absent. */
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
      /** Whole seconds until the refusing window opens again; ≥ 1. The Retry-After header value. */
      retryAfterSeconds: number;
      /** Which limit refused: the key's own or its tenant's. */
      limitedBy: 'key' | 'tenant';
    };

/** The windows of one key or one tenant. */
interface Windows {
  minute: RateLimiterMemory;
  second: RateLimiterMemory | undefined;
}

interface Attempt {
  limiter: RateLimiterMemory;
  id: string;
  scope: 'key' | 'tenant';
}

const ALLOWED: QuotaDecision = Object.freeze({ allowed: true });
const ALLOWED_NOW: Promise<QuotaDecision> = Promise.resolve(ALLOWED);

export class QuotaLimiter {
  private readonly keys = new Map<string, Windows>();
  private readonly tenants = new Map<string, Windows>();

  /**
   * Counts one request against the key's and the tenant's limits. A request
   * refused by any window is counted by none, so a tenant's refusal does not
   * use up its keys, and a client hammering a refused key does not eat into
   * the allowance a raised limit gives it.
   *
   * @example
   * const decision = await quotas.check(key.id, key.tenantId, { key: { requestsPerMinute: 600, burst: 20 } });
   * if (!decision.allowed) answer 429 with `Retry-After: ${decision.retryAfterSeconds}`;
   */
  check(keyId: string, tenantId: string, limits: QuotaLimits): Promise<QuotaDecision> {
    if (limits.key === undefined && limits.tenant === undefined) return ALLOWED_NOW;
    const attempts: Attempt[] = [];
    if (limits.key !== undefined) addAttempts(attempts, windowsFor(this.keys, keyId, limits.key), keyId, 'key');
    if (limits.tenant !== undefined) addAttempts(attempts, windowsFor(this.tenants, tenantId, limits.tenant), tenantId, 'tenant');
    // RateLimiterMemory counts synchronously inside consume(); awaiting them together costs one turn.
    return Promise.allSettled(attempts.map((a) => a.limiter.consume(a.id))).then((outcomes) => decide(attempts, outcomes));
  }
}

function windowsFor(map: Map<string, Windows>, id: string, limit: RateLimit): Windows {
  let windows = map.get(id);
  if (windows === undefined) {
    windows = { minute: limiter(limit.requestsPerMinute, 60), second: undefined };
    map.set(id, windows);
  } else if (windows.minute.points !== limit.requestsPerMinute) {
    windows.minute.points = limit.requestsPerMinute;
  }
  if (limit.burst === undefined) windows.second = undefined;
  else if (windows.second === undefined) windows.second = limiter(limit.burst, 1);
  else if (windows.second.points !== limit.burst) windows.second.points = limit.burst;
  return windows;
}

function limiter(points: number, durationSeconds: number): RateLimiterMemory {
  // One limiter per key or tenant, so no prefix is needed to keep their counts apart.
  return new RateLimiterMemory({ points, duration: durationSeconds, keyPrefix: '' });
}

function addAttempts(attempts: Attempt[], windows: Windows, id: string, scope: 'key' | 'tenant'): void {
  if (windows.second !== undefined) attempts.push({ limiter: windows.second, id, scope });
  attempts.push({ limiter: windows.minute, id, scope });
}

function decide(attempts: readonly Attempt[], outcomes: readonly PromiseSettledResult<RateLimiterRes>[]): QuotaDecision {
  let waitMs = -1;
  let limitedBy: 'key' | 'tenant' = 'key';
  outcomes.forEach((outcome, i) => {
    if (outcome.status === 'fulfilled') return;
    if (!(outcome.reason instanceof RateLimiterRes)) throw outcome.reason;
    if (outcome.reason.msBeforeNext > waitMs) {
      waitMs = outcome.reason.msBeforeNext;
      limitedBy = (attempts[i] as Attempt).scope;
    }
  });
  if (waitMs < 0) return ALLOWED;
  // The library counts a refused consume too; give every window its point back.
  for (const attempt of attempts) void attempt.limiter.reward(attempt.id);
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)), limitedBy };
}
