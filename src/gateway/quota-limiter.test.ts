import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { QuotaLimiter, type QuotaDecision, type QuotaLimits } from './quota-limiter.js';

async function send(quotas: QuotaLimiter, count: number, keyId: string, tenantId: string, limits: QuotaLimits): Promise<QuotaDecision[]> {
  return Promise.all(Array.from({ length: count }, () => quotas.check(keyId, tenantId, limits)));
}

const allowedIn = (decisions: readonly QuotaDecision[]) => decisions.filter((d) => d.allowed).length;

describe('QuotaLimiter', () => {
  it('answers 600 ± 5% of 1,000 quick requests under 600/min and gives the rest Retry-After ≥ 1', async () => {
    const decisions = await send(new QuotaLimiter(), 1000, 'k1', 'acme', { key: { requestsPerMinute: 600 } });
    const allowed = allowedIn(decisions);
    expect(allowed).toBeGreaterThanOrEqual(570);
    expect(allowed).toBeLessThanOrEqual(630);
    for (const d of decisions) {
      if (d.allowed) continue;
      expect(d.limitedBy).toBe('key');
      expect(d.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(d.retryAfterSeconds).toBeLessThanOrEqual(60);
    }
  });

  it('applies the tenant limit across all of its keys', async () => {
    const quotas = new QuotaLimiter();
    const limits = { key: { requestsPerMinute: 100 }, tenant: { requestsPerMinute: 5 } };
    const a = await send(quotas, 3, 'k1', 'acme', limits);
    const b = await send(quotas, 3, 'k2', 'acme', limits);
    expect(allowedIn([...a, ...b])).toBe(5);
    expect(b[2]).toMatchObject({ allowed: false, limitedBy: 'tenant' });
    // Another tenant is untouched.
    expect(await quotas.check('k3', 'globex', limits)).toEqual({ allowed: true });
  });

  it('applies the key limit within a generous tenant limit', async () => {
    const quotas = new QuotaLimiter();
    const limits = { key: { requestsPerMinute: 2 }, tenant: { requestsPerMinute: 100 } };
    const k1 = await send(quotas, 3, 'k1', 'acme', limits);
    expect(k1.map((d) => d.allowed)).toEqual([true, true, false]);
    expect(k1[2]).toMatchObject({ limitedBy: 'key' });
    expect(await quotas.check('k2', 'acme', limits)).toEqual({ allowed: true });
  });

  it('does not charge a key for a request its tenant refused', async () => {
    const quotas = new QuotaLimiter();
    const key = { requestsPerMinute: 3 };
    const first = await send(quotas, 3, 'k1', 'acme', { key, tenant: { requestsPerMinute: 2 } });
    expect(first.map((d) => d.allowed)).toEqual([true, true, false]);
    // The tenant's refusal gave the key its point back: one left of three.
    const after = await send(quotas, 2, 'k1', 'acme', { key, tenant: { requestsPerMinute: 10 } });
    expect(after.map((d) => d.allowed)).toEqual([true, false]);
    expect(after[1]).toMatchObject({ limitedBy: 'key' });
  });

  it('applies changed limits to the next request, keeping the count of answered requests', async () => {
    const quotas = new QuotaLimiter();
    expect(allowedIn(await send(quotas, 20, 'k1', 'acme', { key: { requestsPerMinute: 5 } }))).toBe(5);
    expect(allowedIn(await send(quotas, 4, 'k1', 'acme', { key: { requestsPerMinute: 8 } }))).toBe(3);
    expect(await quotas.check('k1', 'acme', { key: { requestsPerMinute: 2 } })).toMatchObject({ allowed: false });
    expect(await quotas.check('k1', 'acme', {})).toEqual({ allowed: true });
  });

  it('caps a burst within one second and lets requests through again in the next', async () => {
    const quotas = new QuotaLimiter();
    const limits = { key: { requestsPerMinute: 100, burst: 5 } };
    const burst = await send(quotas, 10, 'k1', 'acme', limits);
    expect(allowedIn(burst)).toBe(5);
    expect(burst[9]).toEqual({ allowed: false, retryAfterSeconds: 1, limitedBy: 'key' });
    await sleep(1100);
    // The five refused requests did not count against the minute: 95 of 100 remain.
    expect(allowedIn(await send(quotas, 5, 'k1', 'acme', limits))).toBe(5);
  });
});
