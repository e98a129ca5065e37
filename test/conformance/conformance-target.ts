/**
 * A data plane the conformance suite runs against. The suite starts one
 * `mlaas up` per target with `target.gateway` merged into mlaas.yaml's
 * `gateway:`, runs every case, and after each one lets the target check
 * where the case's requests were served (a native data plane serving what
 * the case's `haproxy` says it serves itself, handing the rest on).
 */
import { expect } from 'vitest';
import type { ConformanceCase } from './conformance-case.js';
import type { ConformancePlatform } from './conformance-platform.js';

export type { ConformanceCase } from './conformance-case.js';
export type { ConformancePlatform } from './conformance-platform.js';

export interface ConformanceTarget {
  name: string; // 'typescript' | 'haproxy'
  gateway: Record<string, unknown>; // extra keys merged into mlaas.yaml `gateway:` (e.g. { dataplane: 'haproxy' }); {} for typescript
  /** Called before each case. */
  beforeCase?(platform: ConformancePlatform, c: ConformanceCase): Promise<void>;
  /** Called after each case with what the case declared; a target may assert where the case's requests were served. */
  afterCase?(platform: ConformancePlatform, c: ConformanceCase): Promise<void>;
}

export const TYPESCRIPT: ConformanceTarget = { name: 'typescript', gateway: {} };

/**
 * HAProxy in front (`gateway.dataplane: haproxy`). Behind it, the TypeScript
 * gateway sees only what HAProxy hands on, so its request count
 * (`mlaas_gateway_requests_total` on /metrics) says where a case was
 * served: unchanged by a native case, grown by one HAProxy hands on.
 */
export function haproxyTarget(): ConformanceTarget {
  let before = 0;
  return {
    name: 'haproxy',
    gateway: { dataplane: 'haproxy' },
    async beforeCase(platform) {
      before = await handedOn(platform);
    },
    async afterCase(platform, c) {
      const handed = (await handedOn(platform)) - before;
      if (c.haproxy === 'native') expect(handed, 'requests HAProxy handed to the TypeScript gateway in a native case').toBe(0);
      else expect(handed, 'requests HAProxy handed to the TypeScript gateway in a TypeScript case').toBeGreaterThan(0);
    },
  };
}

/** Requests the TypeScript gateway has answered so far. */
async function handedOn(p: ConformancePlatform): Promise<number> {
  const text = await (await fetch(`${p.adminUrl}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) if (line.startsWith('mlaas_gateway_requests_total{') || line.startsWith('mlaas_gateway_requests_total ')) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  return total;
}
