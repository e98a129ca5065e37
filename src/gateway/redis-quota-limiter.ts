/**
 * Rate limits shared by every gateway pointed at one Redis (`quotas.redis`
 * in mlaas.yaml): the per-key and per-tenant limits and the gateway
 * document's, each one counter in Redis kept by rate-limiter-flexible's
 * RateLimiterRedis, so that N gateways together admit what one would.
 *
 * What a limit means differs from the in-process QuotaLimiter in one way:
 * rate-limiter-flexible counts fixed windows. "N per minute" is at most N in
 * the 60 seconds that start with the first request the counter sees (and
 * again from the first request after that window ended) — not in *every* 60
 * seconds, so a client that spends N at the end of one window and N at the
 * start of the next gets 2N within a few seconds; `burst` caps every such
 * stretch per second as before (its own 1-second windows). Retry-After is
 * rate-limiter-flexible's msBeforeNext: when the refusing window ends. The
 * rest holds as in process: limits come with each check (a changed limit
 * applies to the next request, the window's count stays); a request refused
 * by one limit is counted by none (the refusing counter is not raised — the
 * Lua script below, rate-limiter-flexible's `customIncrTtlLuaScript` — and
 * the others are given back their point, rate-limiter-flexible's reward).
 *
 * All the counters of one request (up to two per key and tenant limit, one
 * per document limit) are sent at once on the one connection and answered
 * together: one round trip, not one per counter. (Measured on loopback with
 * 4 counters: ~110 µs per check sent at once, ~230 µs one after another with
 * an early exit, ~250 µs with ioredis' auto-pipelining, whose wait for the
 * next tick costs more than the writes it saves.) When
 * Redis cannot be reached — refused, reset, or silent past `timeout` — the
 * gateway says so once (a log line, the degraded gauge) and, per `failOpen`,
 * counts in its own memory (the QuotaLimiter, synchronously, as without
 * Redis) or refuses with 503 GW_QUOTA_UNAVAILABLE, until Redis answers again
 * (ioredis reconnects; a probe each second notices a Redis that answers again
 * on a connection that never closed).
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { redactRedisUrl, type QuotaCharge, type QuotaStoreSettings } from '../config/index.js';
import type { QuotaCheckResult, QuotaChecker, QuotaUnavailable } from './quota-checker.js';
import { QuotaLimiter, type DocumentQuotaUse, type QuotaDecision, type QuotaLimits } from './quota-limiter.js';

/**
 * rate-limiter-flexible's increment, changed so that a refused request is not
 * counted: ARGV = cost (negative: a refund), window seconds, the limit. A
 * refund only goes to the window it was taken from. Returns {consumed, ttl
 * in ms}; consumed above the limit is a refusal.
 */
const CHECK_THEN_INCREMENT = `local cost = tonumber(ARGV[1])
local windowMs = 1000 * tonumber(ARGV[2])
local ttl = redis.call('pttl', KEYS[1])
if cost < 0 then
  if ttl <= 0 then return {0, 0} end
  return {redis.call('incrby', KEYS[1], cost), ttl}
end
local used = 0
if ttl > 0 then used = tonumber(redis.call('get', KEYS[1]) or '0') end
if used + cost > tonumber(ARGV[3]) then
  if ttl <= 0 then ttl = windowMs end
  return {used + cost, ttl}
end
if ttl <= 0 then
  redis.call('set', KEYS[1], cost, 'PX', windowMs)
  return {cost, windowMs}
end
return {redis.call('incrby', KEYS[1], cost), ttl}`;

const KEY_PREFIX = 'mlaas:quota';
const PROBE_EVERY_MS = 1_000;
const ALLOWED: QuotaDecision = Object.freeze({ allowed: true });
const UNAVAILABLE: QuotaUnavailable = Object.freeze({ allowed: false, limitedBy: 'unavailable' });

/** What `mlaas status` says of the quota store. */
export interface QuotaStoreStatus {
  /** The Redis URL, its password masked. */
  redis: string;
  failOpen: boolean;
  /** False while Redis cannot be reached: limits counted in this gateway only (failOpen), or refused. */
  shared: boolean;
}

export interface RedisQuotaLimiterOptions {
  settings: QuotaStoreSettings;
  logger: Logger;
  now?: () => number;
}

/** One counter a request is checked against. */
interface Counter {
  limiter: RateLimiterRedis;
  key: string;
  cost: number;
  scope: 'key' | 'tenant' | 'document';
  /** A document limit's: what it charges, and for whom. */
  charge?: QuotaCharge;
  consumer?: string;
}

export class RedisQuotaLimiter implements QuotaChecker {
  readonly #client: Redis;
  readonly #failOpen: boolean;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #redis: string;
  /** What counts while Redis cannot be reached and failOpen holds. */
  readonly #local: QuotaLimiter;
  /** Window seconds → limit → its limiter (rate-limiter-flexible fixes points and duration per instance). */
  readonly #limiters = new Map<number, Map<number, RateLimiterRedis>>();
  /** Document limit → consumer → its count and window end as Redis last answered them. */
  readonly #documentUse = new Map<string, Map<string, { used: number; until: number }>>();
  #degraded = true;
  #probe: NodeJS.Timeout | undefined;
  #closed = false;

  private constructor(options: RedisQuotaLimiterOptions) {
    const { settings } = options;
    this.#failOpen = settings.failOpen;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
    this.#redis = redactRedisUrl(settings.redis);
    this.#local = new QuotaLimiter({ now: this.#now });
    this.#client = new Redis(settings.redis, {
      // A check while disconnected fails at once (and is counted locally or refused) rather than waiting for a reconnect…
      enableOfflineQueue: false,
      // …as do the checks in flight when the connection drops; a silent Redis fails each within the timeout.
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout: settings.timeout,
      connectTimeout: Math.max(1_000, settings.timeout),
      // Reconnects for as long as the gateway runs, at most a second apart.
      retryStrategy: (times) => Math.min(50 * times, 1_000),
      lazyConnect: true,
    });
    this.#client.on('ready', () => this.#reachable());
    this.#client.on('close', () => this.#unreachable('the connection to Redis closed'));
    // ioredis reports every failed reconnect here; the transition is logged once, in #unreachable.
    this.#client.on('error', (err: Error) => this.#unreachable(err.message));
  }

  /**
   * Connects, waiting at most the connect timeout: a Redis that cannot be
   * reached does not hold up start-up — the gateway starts degraded (per
   * failOpen) and shares its limits once Redis answers.
   */
  static async connect(options: RedisQuotaLimiterOptions): Promise<RedisQuotaLimiter> {
    const limiter = new RedisQuotaLimiter(options);
    await limiter.#client.connect().catch(() => undefined);
    if (limiter.#degraded) limiter.#unreachable('Redis did not answer at start-up', true);
    return limiter;
  }

  get degraded(): boolean {
    return this.#degraded;
  }

  status(): QuotaStoreStatus {
    return { redis: this.#redis, failOpen: this.#failOpen, shared: !this.#degraded };
  }

  check(keyId: string, tenantId: string, limits: QuotaLimits): QuotaCheckResult | Promise<QuotaCheckResult> {
    const charges = limits.document;
    if (limits.key === undefined && limits.tenant === undefined && (charges === undefined || charges.length === 0)) return ALLOWED;
    if (this.#degraded) return this.#fallback(keyId, tenantId, limits);
    return this.#shared(keyId, tenantId, limits);
  }

  /** Each document limit's use in its current window as Redis last answered this gateway (all gateways' use, as of then); while degraded, this gateway's own. */
  documentUse(): DocumentQuotaUse[] {
    if (this.#degraded) return this.#local.documentUse();
    const now = this.#now();
    const out: DocumentQuotaUse[] = [];
    for (const [limit, consumers] of this.#documentUse) {
      for (const [consumer, { used, until }] of consumers) if (until > now && used > 0) out.push({ limit, consumer, used });
    }
    return out;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#probe);
    this.#client.disconnect();
  }

  async #shared(keyId: string, tenantId: string, limits: QuotaLimits): Promise<QuotaCheckResult> {
    const counters: Counter[] = [];
    if (limits.key !== undefined) this.#addLimit(counters, 'key', `k:${keyId}`, limits.key);
    if (limits.tenant !== undefined) this.#addLimit(counters, 'tenant', `t:${tenantId}`, limits.tenant);
    for (const charge of limits.document ?? []) {
      counters.push({
        limiter: this.#limiter(60, charge.perMinute),
        key: `d:${tenantId}:${charge.limit}`,
        cost: charge.cost,
        scope: 'document',
        charge,
        consumer: tenantId,
      });
    }
    const outcomes = await Promise.allSettled(counters.map((c) => c.limiter.consume(c.key, c.cost)));
    const now = this.#now();
    let failure: unknown;
    let refusedBy: Counter | undefined;
    let waitMs = 0;
    for (let i = 0; i < counters.length; i++) {
      const counter = counters[i] as Counter;
      const outcome = outcomes[i] as PromiseSettledResult<RateLimiterRes>;
      if (outcome.status === 'fulfilled') {
        if (counter.charge !== undefined) this.#recordUse(counter, outcome.value.consumedPoints, outcome.value.msBeforeNext, now);
      } else if (outcome.reason instanceof RateLimiterRes) {
        const refusal = outcome.reason;
        if (counter.charge !== undefined) this.#recordUse(counter, refusal.consumedPoints - counter.cost, refusal.msBeforeNext, now);
        // Ties go to the document's limit, then the key's, as in process.
        if (refusedBy === undefined || refusal.msBeforeNext > waitMs || (refusal.msBeforeNext === waitMs && counter.scope === 'document')) {
          refusedBy = counter;
          waitMs = refusal.msBeforeNext;
        }
      } else failure ??= outcome.reason;
    }
    if (failure !== undefined) {
      void this.#giveBack(counters, outcomes);
      this.#unreachable(failure instanceof Error ? failure.message : String(failure));
      return this.#fallback(keyId, tenantId, limits);
    }
    if (refusedBy === undefined) return ALLOWED;
    // Before the answer, so that the caller's next request finds them back, at whichever gateway.
    await this.#giveBack(counters, outcomes);
    const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
    if (refusedBy.charge !== undefined) return { allowed: false, retryAfterSeconds, limitedBy: 'document', charge: refusedBy.charge };
    return { allowed: false, retryAfterSeconds, limitedBy: refusedBy.scope as 'key' | 'tenant' };
  }

  /** The minute's counter and, with a burst, the second's. */
  #addLimit(counters: Counter[], scope: 'key' | 'tenant', id: string, limit: { requestsPerMinute: number; burst?: number }): void {
    counters.push({ limiter: this.#limiter(60, limit.requestsPerMinute), key: `${id}:m`, cost: 1, scope });
    if (limit.burst !== undefined) counters.push({ limiter: this.#limiter(1, limit.burst), key: `${id}:s`, cost: 1, scope });
  }

  #limiter(windowSeconds: number, points: number): RateLimiterRedis {
    let byPoints = this.#limiters.get(windowSeconds);
    if (byPoints === undefined) {
      byPoints = new Map();
      this.#limiters.set(windowSeconds, byPoints);
    }
    let limiter = byPoints.get(points);
    if (limiter === undefined) {
      limiter = new RateLimiterRedis({
        storeClient: this.#client,
        keyPrefix: KEY_PREFIX,
        points,
        duration: windowSeconds,
        customIncrTtlLuaScript: CHECK_THEN_INCREMENT,
        // ioredis not connected: fail at once, without a command.
        rejectIfRedisNotReady: true,
      });
      byPoints.set(points, limiter);
    }
    return limiter;
  }

  /** Refunds what the counters that admitted took, for a request another refused or that Redis failed; best effort. */
  async #giveBack(counters: readonly Counter[], outcomes: readonly PromiseSettledResult<RateLimiterRes>[]): Promise<void> {
    const refunds: Promise<unknown>[] = [];
    for (let i = 0; i < counters.length; i++) {
      if (outcomes[i]?.status !== 'fulfilled') continue;
      const counter = counters[i] as Counter;
      refunds.push(counter.limiter.reward(counter.key, counter.cost));
    }
    await Promise.allSettled(refunds);
  }

  #recordUse(counter: Counter, used: number, msLeft: number, now: number): void {
    const limit = (counter.charge as QuotaCharge).limit;
    const consumer = counter.consumer as string;
    let consumers = this.#documentUse.get(limit);
    if (consumers === undefined) {
      consumers = new Map();
      this.#documentUse.set(limit, consumers);
    }
    consumers.set(consumer, { used, until: now + msLeft });
  }

  #fallback(keyId: string, tenantId: string, limits: QuotaLimits): QuotaCheckResult {
    return this.#failOpen ? this.#local.check(keyId, tenantId, limits) : UNAVAILABLE;
  }

  #unreachable(reason: string, atStart = false): void {
    if (this.#closed || (this.#degraded && !atStart)) return;
    this.#degraded = true;
    const then = this.#failOpen ? 'each gateway counts its limits in its own memory' : 'requests a limit applies to are refused with 503';
    this.#logger.warn({ redis: this.#redis, reason, failOpen: this.#failOpen }, `quotas degraded: Redis unreachable, ${then} until it answers`);
    this.#probe ??= setInterval(() => this.#ping(), PROBE_EVERY_MS).unref();
  }

  #reachable(): void {
    if (this.#closed || !this.#degraded) return;
    this.#degraded = false;
    clearInterval(this.#probe);
    this.#probe = undefined;
    this.#logger.info({ redis: this.#redis }, 'quotas shared through Redis');
  }

  /** A connection can stay open to a Redis that stopped answering: only an answer ends the degraded state. */
  #ping(): void {
    if (this.#client.status !== 'ready') return;
    this.#client.ping().then(
      () => this.#reachable(),
      () => undefined,
    );
  }
}
