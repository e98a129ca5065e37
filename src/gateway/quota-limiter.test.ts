import { afterEach, describe, expect, it, vi } from 'vitest';
import { QuotaLimiter, type QuotaDecision, type QuotaLimits } from './quota-limiter.js';

async function send(quotas: QuotaLimiter, count: number, keyId: string, tenantId: string, limits: QuotaLimits): Promise<QuotaDecision[]> {
  return Promise.all(Array.from({ length: count }, () => quotas.check(keyId, tenantId, limits)));
}

const allowedIn = (decisions: readonly QuotaDecision[]) => decisions.filter((d) => d.allowed).length;

describe('QuotaLimiter', () => {
  it('answers 600 of 1,000 quick requests under 600/min and gives the rest Retry-After ≥ 1', async () => {
    const decisions = await send(new QuotaLimiter(), 1000, 'k1', 'acme', { key: { requestsPerMinute: 600 } });
    expect(allowedIn(decisions)).toBe(600);
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
    let now = 1_000_000;
    const quotas = new QuotaLimiter({ now: () => now });
    const limits = { key: { requestsPerMinute: 100, burst: 5 } };
    const burst = await send(quotas, 10, 'k1', 'acme', limits);
    expect(allowedIn(burst)).toBe(5);
    expect(burst[9]).toEqual({ allowed: false, retryAfterSeconds: 1, limitedBy: 'key' });
    now += 1_100;
    // The five refused requests did not count against the minute: 95 of 100 remain.
    expect(allowedIn(await send(quotas, 5, 'k1', 'acme', limits))).toBe(5);
  });

  it('slides the burst window: 5 per second means 5 in any second, not 5 per clock second', () => {
    let now = 1_000_900;
    const quotas = new QuotaLimiter({ now: () => now });
    const limits = { key: { requestsPerMinute: 100, burst: 5 } };
    for (let i = 0; i < 5; i++) expect(quotas.check('k1', 'acme', limits).allowed).toBe(true);
    now += 200;
    expect(quotas.check('k1', 'acme', limits)).toEqual({ allowed: false, retryAfterSeconds: 1, limitedBy: 'key' });
    now += 800;
    expect(quotas.check('k1', 'acme', limits).allowed).toBe(true);
  });

  it('answers the time until a request fits again as Retry-After, rounded up to whole seconds', () => {
    let now = 5_000_000;
    const quotas = new QuotaLimiter({ now: () => now });
    const limits = { key: { requestsPerMinute: 2 } };
    quotas.check('k1', 'acme', limits);
    now += 30_000;
    quotas.check('k1', 'acme', limits);
    now += 10_500;
    // The first request leaves the window 19.5 s from now.
    expect(quotas.check('k1', 'acme', limits)).toEqual({ allowed: false, retryAfterSeconds: 20, limitedBy: 'key' });
    now += 19_500;
    expect(quotas.check('k1', 'acme', limits).allowed).toBe(true);
  });

  describe('at the edge of a minute', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    /** The most of `times` (sorted, ms) that fall within any `windowMs`. */
    function busiestWindow(times: readonly number[], windowMs: number): number {
      let most = 0;
      let start = 0;
      for (let end = 0; end < times.length; end++) {
        while ((times[end] as number) - (times[start] as number) >= windowMs) start++;
        most = Math.max(most, end - start + 1);
      }
      return most;
    }

    it('lets at most 600 of a 600/min limit through in any 60 s, a burst on each side of the edge included', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      const start = Date.UTC(2030, 0, 1, 12, 0, 0);
      const edge = start + 60_000;
      const quotas = new QuotaLimiter();
      const limits = { key: { requestsPerMinute: 600 } };
      const allowed: number[] = [];
      // One request opens a minute (of the clock, or of a fixed window counted from it); quiet until
      // 700 requests in its last half second and 700 in the first half second after it.
      for (const [at, count] of [[start, 1], [edge - 500, 700], [edge + 500, 700]] as const) {
        vi.setSystemTime(at);
        for (const d of await send(quotas, count, 'k1', 'acme', limits)) if (d.allowed) allowed.push(at);
      }
      // Then a steady 20/s for two minutes.
      for (let at = edge + 1_000; at < edge + 121_000; at += 50) {
        vi.setSystemTime(at);
        if ((await quotas.check('k1', 'acme', limits)).allowed) allowed.push(at);
      }
      expect(busiestWindow(allowed, 60_000)).toBeLessThanOrEqual(600);
      // The limit is a rate, not a lockout: the steady load gets its 600 per minute once the bursts leave the window.
      expect(allowed.filter((t) => t >= edge + 61_000).length).toBeGreaterThanOrEqual(590);
    });
  });
});

