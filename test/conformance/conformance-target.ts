/**
 * A data plane the conformance suite runs against. The suite starts one
 * `mlaas up` per target with `target.gateway` merged into mlaas.yaml's
 * `gateway:`, runs every case, and after each one lets the target check
 * where the case's requests were served (a native data plane serving what
 * the case's `haproxy` says it serves itself, handing the rest on).
 */
import type { ConformanceCase } from './conformance-case.js';
import type { ConformancePlatform } from './conformance-platform.js';

export type { ConformanceCase } from './conformance-case.js';
export type { ConformancePlatform } from './conformance-platform.js';

export interface ConformanceTarget {
  name: string; // 'typescript' | 'haproxy'
  gateway: Record<string, unknown>; // extra keys merged into mlaas.yaml `gateway:` (e.g. { dataplane: 'haproxy' }); {} for typescript
  /** Called after each case with what the case declared; a target may assert where the case's requests were served. */
  afterCase?(platform: ConformancePlatform, c: ConformanceCase): Promise<void>;
}

export const TYPESCRIPT: ConformanceTarget = { name: 'typescript', gateway: {} };
