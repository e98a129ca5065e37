/**
 * Conformance cases of time and capacity: a route's deadline, the body size
 * limit, a revision whose one instance takes one request at a time (the
 * others queue, within their deadline), a revision at zero instances
 * activated by its first request, and a revision retired while a request is
 * in flight on it. (Which cases run where: conformance-cases.ts.)
 */
import { expect } from 'vitest';
import { waitUntil } from '../e2e/mlaas-process.js';
import type { ConformanceCase } from './conformance-case.js';
import type { ConformancePlatform } from './conformance-platform.js';
import { MAX_BODY_BYTES, QUEUE_DEADLINE_S, SHORT_DEADLINE_S } from './conformance-document.js';
import { expectProblem, expectServed } from './gateway-answer.js';
import { inFlightAtInstances, platformStatus } from './platform-status.js';

/** Waits until an instance of `revision` has a request in flight. */
async function inFlightOn(p: ConformancePlatform, revision: string): Promise<void> {
  await waitUntil(`a request in flight on ${revision}`, () => inFlightAtInstances(p, revision), (n) => n >= 1, 5_000, 50);
}

export const CAPACITY_CASES: readonly ConformanceCase[] = [
  {
    name: 'a backend slower than the route’s deadline is 504 GW_DEADLINE_EXCEEDED at the deadline',
    haproxy: 'native',
    async run(p) {
      const started = Date.now();
      expectProblem(await p.send('/api/deadline?ms=5000', { key: p.keys.acme }), 504, 'GW_DEADLINE_EXCEEDED');
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(SHORT_DEADLINE_S * 1000 - 50);
      expect(took).toBeLessThan(4_000);
      expectServed(await p.send('/api/deadline?ms=0', { key: p.keys.acme }));
    },
  },
  {
    name: 'a body over gateway.maxBodyBytes is 413 GW_BODY_TOO_LARGE and never reaches the instance',
    haproxy: 'typescript',
    async run(p) {
      expectProblem(await p.send('/api/echo/big', { method: 'POST', key: p.keys.acme, body: Buffer.alloc(MAX_BODY_BYTES + 1, 120) }), 413, 'GW_BODY_TOO_LARGE');
    },
  },
  {
    name: 'a body of exactly gateway.maxBodyBytes reaches the instance whole',
    haproxy: 'native',
    async run(p) {
      const seen = expectServed(await p.send('/api/echo/big', { method: 'POST', key: p.keys.acme, body: Buffer.alloc(MAX_BODY_BYTES, 120) }));
      expect(seen.bodyBytes).toBe(MAX_BODY_BYTES);
    },
  },
  {
    name: 'with concurrency 1 and one instance, two concurrent requests are served one after the other, both 200',
    haproxy: 'native',
    async run(p) {
      const answers = await Promise.all([0, 1].map(() => p.send('/api/lane?ms=700', { key: p.keys.acme })));
      const [first, second] = answers.map(expectServed).sort((a, b) => a.startedAt - b.startedAt);
      expect([first?.inFlightAtStart, second?.inFlightAtStart]).toEqual([1, 1]);
      expect(second?.startedAt).toBeGreaterThanOrEqual(first?.endedAt ?? Infinity);
    },
  },
  {
    name: 'a request queued at the busy instance past its route’s deadline is refused 429 GW_AT_CAPACITY (one instance at most) with Retry-After',
    haproxy: 'typescript',
    async run(p) {
      const busy = p.send('/api/queue?ms=4000', { key: p.keys.acme });
      await inFlightOn(p, 'queue-00001');
      const started = Date.now();
      const queued = await p.send('/api/queue/short?ms=0', { key: p.keys.acme });
      const waited = Date.now() - started;
      expectProblem(queued, 429, 'GW_AT_CAPACITY');
      expect(Number(queued.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(waited).toBeGreaterThanOrEqual(QUEUE_DEADLINE_S * 1000 - 50);
      expect(waited).toBeLessThan(3_900);
      expectServed(await busy);
    },
  },
  {
    name: 'a revision at zero instances answers its first request 200 after a cold start, not 503',
    haproxy: 'typescript',
    async run(p) {
      const before = await platformStatus(p);
      expect(before.services.find((s) => s.key === 'cold-00001')).toMatchObject({ ready: 0, instances: [] });
      expect(expectServed(await p.send('/api/cold', { key: p.keys.acme })).revision).toBe('cold-00001');
      const after = await platformStatus(p);
      expect(after.coldStarts?.find((c) => c.revision === 'cold-00001')?.count).toBeGreaterThanOrEqual(1);
    },
  },
  {
    name: 'a request in flight on a revision that loses all its traffic still gets its 200 from it; the next goes to the new one',
    haproxy: 'native',
    async run(p) {
      expect(expectServed(await p.send('/api/drain?ms=0', { key: p.keys.acme })).revision).toBe('drain-00001');
      const slow = p.send('/api/drain?ms=5000', { key: p.keys.acme });
      await inFlightOn(p, 'drain-00001');
      let slowSettled = false;
      void slow.then(() => (slowSettled = true));
      const moving = p.cliOk(['traffic', 'drain', 'drain-00002=100']);
      await waitUntil(
        'new requests on drain-00002',
        async () => expectServed(await p.send('/api/drain?ms=0', { key: p.keys.acme })).revision,
        (revision) => revision === 'drain-00002',
        10_000,
        50,
      );
      // Traffic moved while the slow request was still in flight on the old revision.
      expect(slowSettled).toBe(false);
      expect(expectServed(await slow).revision).toBe('drain-00001');
      await moving;
      const revisions = JSON.parse(await p.cliOk(['revisions', 'drain', '-o', 'json'])) as Array<{ name: string; state: string }>;
      expect(revisions.find((r) => r.name === 'drain-00001')?.state).toBe('retired');
    },
  },
];
