/**
 * One case of the gateway conformance suite: a behaviour every data plane
 * must show, asserted only through what a caller or an instance observes.
 */
import type { ConformancePlatform } from './conformance-platform.js';

export interface ConformanceCase {
  name: string;
  /**
   * Whether a native data plane (HAProxy) serves the case's requests itself ('native')
   * or hands them to the TypeScript gateway ('typescript'); the rule is in conformance-cases.ts.
   */
  haproxy: 'native' | 'typescript';
  run(p: ConformancePlatform): Promise<void>;
}
