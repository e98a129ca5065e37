// Limits shared through a real redis-server (test/redis-server.ts): two limiters, as two gateways, enforce one limit together.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from '../../test/redis-server.js';
import type { QuotaCheckResult } from './quota-checker.js';
import type { QuotaLimits } from './quota-limiter.js';
import { RedisQuotaLimiter } from './redis-quota-limiter.js';

let redis: TestRedis;
const limiters: RedisQuotaLimiter[] = [];

// A generous timeout, so that a loaded machine times out no check a test does not mean to.
async function gatewayLimiter(failOpen = true): Promise<RedisQuotaLimiter> {
  const limiter = await RedisQuotaLimiter.connect({ settings: { redis: redis.url, failOpen, timeout: 1_000 }, logger: pino({ level: 'silent' }) });
  limiters.push(limiter);
  return limiter;
}

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await Promise.all(limiters.map((l) => l.close()));
  await redis.stop();
});

/** Checks alternately at each limiter; answers what each check decided. */
async function alternate(pair: readonly RedisQuotaLimiter[], n: number, keyId: string, tenantId: string, limits: QuotaLimits): Promise<QuotaCheckResult[]> {
  const out: QuotaCheckResult[] = [];
  for (let i = 0; i < n; i++) out.push(await (pair[i % pair.length] as RedisQuotaLimiter).check(keyId, tenantId, limits));
  return out;
}

const admitted = (results: readonly QuotaCheckResult[]): number => results.filter((r) => r.allowed).length;

describe('RedisQuotaLimiter', () => {
  it('lets two gateways admit 10 of 15 requests together under a key limit of 10 per minute, Retry-After to the window’s end', async () => {
    const pair = [await gatewayLimiter(), await gatewayLimiter()];
    expect(pair.map((l) => l.degraded)).toEqual([false, false]);
    const results = await alternate(pair, 15, 'key-a', 'acme', { key: { requestsPerMinute: 10 } });
    expect(results.map((r) => r.allowed)).toEqual([...Array<boolean>(10).fill(true), ...Array<boolean>(5).fill(false)]);
    const refused = results[14] as QuotaCheckResult & { allowed: false; retryAfterSeconds: number };
    expect(refused).toMatchObject({ allowed: false, limitedBy: 'key' });
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(59);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(60);
  });

  it('counts a request the tenant refuses against none of its limits, so the key keeps its allowance', async () => {
    const pair = [await gatewayLimiter(), await gatewayLimiter()];
    // The tenant allows 3, its key 5: 3 pass, the next 3 are the tenant's refusals and take nothing from the key.
    const results = await alternate(pair, 6, 'key-b', 'globex', { key: { requestsPerMinute: 5 }, tenant: { requestsPerMinute: 3 } });
    expect(admitted(results)).toBe(3);
    expect(results[3]).toMatchObject({ allowed: false, limitedBy: 'tenant' });
    // With the tenant's limit raised, the key still has 2 of its 5: the refusals were not counted.
    const raised = await alternate(pair, 3, 'key-b', 'globex', { key: { requestsPerMinute: 5 }, tenant: { requestsPerMinute: 100 } });
    expect(raised.map((r) => r.allowed)).toEqual([true, true, false]);
    expect(raised[2]).toMatchObject({ allowed: false, limitedBy: 'key' });
  });

  it('applies a changed limit to the next request, the window’s count kept and refusals not in it', async () => {
    const pair = [await gatewayLimiter(), await gatewayLimiter()];
    // 4 of 6 at 4 per minute; the 2 refused are not counted, so raised to 6 there is room for 2 more.
    expect(admitted(await alternate(pair, 6, 'key-c', 'acme', { key: { requestsPerMinute: 4 } }))).toBe(4);
    expect(admitted(await alternate(pair, 4, 'key-c', 'acme', { key: { requestsPerMinute: 6 } }))).toBe(2);
    expect(admitted(await alternate(pair, 2, 'key-c', 'acme', { key: { requestsPerMinute: 3 } }))).toBe(0);
  });

  it('shares a burst limit per second, refused with Retry-After 1', async () => {
    const pair = [await gatewayLimiter(), await gatewayLimiter()];
    const results = await Promise.all([0, 1, 2, 3, 4].map((i) => (pair[i % 2] as RedisQuotaLimiter).check('key-d', 'acme', { key: { requestsPerMinute: 100, burst: 3 } })));
    expect(admitted(results)).toBe(3);
    expect(results.filter((r) => !r.allowed)).toEqual([
      { allowed: false, limitedBy: 'key', retryAfterSeconds: 1 },
      { allowed: false, limitedBy: 'key', retryAfterSeconds: 1 },
    ]);
  });

  it('starts without waiting for a Redis that is down, degraded, and shares its limits once Redis is up', async () => {
    const late = await startRedis();
    await late.kill();
    try {
      const lines: string[] = [];
      const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push((JSON.parse(line) as { msg: string }).msg) });
      const settings = { redis: late.url, failOpen: false, timeout: 250 };
      const limiter = await RedisQuotaLimiter.connect({ settings, logger });
      limiters.push(limiter);
      expect(limiter.degraded).toBe(true);
      expect(await limiter.check('key-g', 'acme', { key: { requestsPerMinute: 1 } })).toEqual({ allowed: false, limitedBy: 'unavailable' });
      expect(lines).toEqual(['quotas degraded: Redis unreachable, requests a limit applies to are refused with 503 until it answers']);
      await late.start();
      const until = Date.now() + 5_000;
      while (limiter.degraded && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(limiter.degraded).toBe(false);
      expect(lines).toHaveLength(2);
      expect(lines[1]).toBe('quotas shared through Redis');
      expect(await limiter.check('key-g', 'acme', { key: { requestsPerMinute: 1 } })).toEqual({ allowed: true });
    } finally {
      await late.stop();
    }
  });

  it('shares the gateway document’s limits per consumer, charging each operation its cost, and reports the use', async () => {
    const pair = [await gatewayLimiter(), await gatewayLimiter()];
    const charge = { limit: 'read-limit', metric: 'read-requests', perMinute: 5, cost: 2 };
    const results = await alternate(pair, 3, 'key-e', 'initech', { document: [charge] });
    expect(results.map((r) => r.allowed)).toEqual([true, true, false]);
    expect(results[2]).toMatchObject({ allowed: false, limitedBy: 'document', charge });
    // Another consumer has its own allowance.
    expect((await alternate(pair, 1, 'key-f', 'umbrella', { document: [charge] }))[0]?.allowed).toBe(true);
    expect(pair[0]?.documentUse()).toEqual(expect.arrayContaining([{ limit: 'read-limit', consumer: 'initech', used: 4 }]));
  });
});
