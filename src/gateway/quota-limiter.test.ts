import { afterEach, describe, expect, it, vi } from 'vitest';
import type { QuotaCharge } from '../config/index.js';
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

  describe('the gateway document’s limits (x-google-quota.metricCosts against quota.limits)', () => {
    const read = (cost: number): QuotaCharge => ({ limit: 'read-limit', metric: 'read-requests', perMinute: 3, cost });

    it('admits 3 requests of cost 1 under 3 per minute, then refuses naming the limit, with the time until one fits', () => {
      let now = 7_000_000;
      const quotas = new QuotaLimiter({ now: () => now });
      const decisions = [0, 1, 2, 3].map((i) => {
        now = 7_000_000 + i * 10_000;
        return quotas.check('k1', 'acme', { document: [read(1)] });
      });
      expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
      // The first of the three leaves the window 30 s after the fourth.
      expect(decisions[3]).toEqual({ allowed: false, retryAfterSeconds: 30, limitedBy: 'document', charge: read(1) });
      now = 7_060_000;
      expect(quotas.check('k1', 'acme', { document: [read(1)] }).allowed).toBe(true);
    });

    it('counts a cost-2 request double, and says when enough of the cost has left the window', () => {
      let now = 8_000_000;
      const quotas = new QuotaLimiter({ now: () => now });
      expect(quotas.check('k1', 'acme', { document: [read(1)] }).allowed).toBe(true);
      now += 5_000;
      expect(quotas.check('k1', 'acme', { document: [read(2)] }).allowed).toBe(true);
      now += 5_000;
      // 3 of 3 used: one more of cost 1 waits for the first (50 s), one of cost 2 for both (55 s).
      expect(quotas.check('k1', 'acme', { document: [read(1)] })).toMatchObject({ allowed: false, retryAfterSeconds: 50 });
      expect(quotas.check('k1', 'acme', { document: [read(2)] })).toMatchObject({ allowed: false, retryAfterSeconds: 55 });
      now += 50_000;
      // The first left: 1 free, so cost 2 still waits for the second (5 s), cost 1 fits.
      expect(quotas.check('k1', 'acme', { document: [read(2)] })).toMatchObject({ allowed: false, retryAfterSeconds: 5 });
      expect(quotas.check('k1', 'acme', { document: [read(1)] }).allowed).toBe(true);
    });

    it('keeps one allowance per consumer, and one per limit', () => {
      const quotas = new QuotaLimiter();
      const write: QuotaCharge = { limit: 'write-limit', metric: 'write-requests', perMinute: 1, cost: 1 };
      for (let i = 0; i < 3; i++) expect(quotas.check('k1', 'acme', { document: [read(1)] }).allowed).toBe(true);
      expect(quotas.check('k1', 'acme', { document: [read(1)] }).allowed).toBe(false);
      expect(quotas.check('k2', 'globex', { document: [read(1)] }).allowed).toBe(true);
      expect(quotas.check('k1', 'acme', { document: [write] }).allowed).toBe(true);
      expect(quotas.documentUse()).toEqual([
        { limit: 'read-limit', consumer: 'acme', used: 3 },
        { limit: 'read-limit', consumer: 'globex', used: 1 },
        { limit: 'write-limit', consumer: 'acme', used: 1 },
      ]);
    });

    it('refuses on any one of the limits an operation is charged against, and counts it on none', () => {
      const quotas = new QuotaLimiter();
      const tight: QuotaCharge = { limit: 'write-limit', metric: 'write-requests', perMinute: 2, cost: 2 };
      expect(quotas.check('k1', 'acme', { document: [read(1), tight] }).allowed).toBe(true);
      expect(quotas.check('k1', 'acme', { document: [read(1), tight] })).toMatchObject({ allowed: false, charge: tight });
      expect(quotas.documentUse()).toEqual([
        { limit: 'read-limit', consumer: 'acme', used: 1 },
        { limit: 'write-limit', consumer: 'acme', used: 2 },
      ]);
    });

    it('does not charge the document limit for a request the key refused, nor the key for one the document refused', () => {
      const quotas = new QuotaLimiter();
      const key = { requestsPerMinute: 1 };
      // acme's document allowance is used up by k1; k2's request is refused by it…
      expect(quotas.check('k1', 'acme', { key, document: [read(3)] }).allowed).toBe(true);
      expect(quotas.check('k2', 'acme', { key, document: [read(1)] })).toMatchObject({ allowed: false, limitedBy: 'document' });
      // …so k2 still has its one request per minute.
      expect(quotas.check('k2', 'acme', { key }).allowed).toBe(true);
      // globex's k3 is refused by its key: the document counts only the one admitted.
      expect(quotas.check('k3', 'globex', { key, document: [read(1)] }).allowed).toBe(true);
      expect(quotas.check('k3', 'globex', { key, document: [read(1)] })).toMatchObject({ allowed: false, limitedBy: 'key' });
      expect(quotas.documentUse()).toEqual([
        { limit: 'read-limit', consumer: 'acme', used: 3 },
        { limit: 'read-limit', consumer: 'globex', used: 1 },
      ]);
    });
  });
});
