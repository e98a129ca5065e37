/**
 * The gateway conformance suite: every case of conformance-cases.ts against
 * each data plane of TARGETS, on one real `mlaas up` per target, the cases in
 * order, the target's `afterCase` after each.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { CONFORMANCE_CASES } from './conformance-cases.js';
import { startConformancePlatform, type RunningConformancePlatform } from './conformance-fixture.js';
import { TYPESCRIPT, haproxyTarget, type ConformanceTarget } from './conformance-target.js';

const TARGETS: readonly ConformanceTarget[] = [TYPESCRIPT, haproxyTarget()];

for (const target of TARGETS) {
  describe(`gateway conformance: ${target.name} data plane`, () => {
    let running: RunningConformancePlatform;

    beforeAll(async () => {
      running = await startConformancePlatform(target);
    }, 150_000);

    afterAll(async () => {
      await running?.stop();
    }, 60_000);

    for (const c of CONFORMANCE_CASES) {
      it(`${c.name} [haproxy: ${c.haproxy}]`, async () => {
        await target.beforeCase?.(running.platform, c);
        await c.run(running.platform);
        await target.afterCase?.(running.platform, c);
      }, 30_000);
    }
  });
}
