import { describe, expect, it } from 'vitest';
import { IpcQuotaChecker } from './ipc-quota-checker.js';
import { QuotaLimiter } from './quota-limiter.js';

const LIMITS = { key: { requestsPerMinute: 2 } };

describe('IpcQuotaChecker', () => {
  it('answers what the primary’s one limiter decides, for checks from any number of workers', async () => {
    const primary = new QuotaLimiter({ now: () => 1_000 });
    const workers: IpcQuotaChecker[] = [];
    for (let i = 0; i < 2; i++) {
      const checker: IpcQuotaChecker = new IpcQuotaChecker((m) => queueMicrotask(() => checker.answer(m.id, primary.check(m.keyId, m.tenantId, m.limits))));
      workers.push(checker);
    }
    const [a, b] = workers as [IpcQuotaChecker, IpcQuotaChecker];
    const results = await Promise.all([a.check('k1', 't', LIMITS), b.check('k1', 't', LIMITS), a.check('k1', 't', LIMITS)]);
    expect(results.map((r) => r.allowed)).toEqual([true, true, false]);
  });

  it('refuses as unavailable what waits when the channel closes, and what comes after, instead of hanging', async () => {
    const checker = new IpcQuotaChecker(() => true);
    const waiting = checker.check('k1', 't', LIMITS);
    checker.close();
    expect(await waiting).toEqual({ allowed: false, limitedBy: 'unavailable' });
    expect(await checker.check('k1', 't', LIMITS)).toEqual({ allowed: false, limitedBy: 'unavailable' });
    expect(checker.degraded).toBe(true);
  });

  it('refuses as unavailable a check it cannot send', async () => {
    const checker = new IpcQuotaChecker(() => {
      throw new Error('channel closed');
    });
    expect(await checker.check('k1', 't', LIMITS)).toEqual({ allowed: false, limitedBy: 'unavailable' });
  });
});
