/**
 * The platform's status as an operator reads it (`GET /v1/status` of the
 * admin API, what `mlaas status -o json` prints): revisions and their
 * instances (and so their ports), cold starts, shadow counters.
 */
import type { ColdStartSummary } from '../../src/autoscaler/cold-start-log.js';
import type { ShadowStats } from '../../src/gateway/shadow-mirror.js';
import type { KeyStatus } from '../../src/runtime/supervisor.js';
import type { ConformancePlatform } from './conformance-platform.js';

export interface PlatformStatus {
  services: KeyStatus[];
  coldStarts?: ColdStartSummary[];
  shadow?: ShadowStats[];
}

export async function platformStatus(p: ConformancePlatform): Promise<PlatformStatus> {
  const res = await fetch(`${p.adminUrl}/v1/status`, { headers: { authorization: `Bearer ${p.adminToken}` } });
  if (res.status !== 200) throw new Error(`GET /v1/status: ${res.status} ${await res.text()}`);
  return (await res.json()) as PlatformStatus;
}

/**
 * Requests in flight at the revision's instances, asked of each instance itself on its port (the fixture's
 * `/inflight`), past whichever data plane forwarded them.
 */
export async function inFlightAtInstances(p: ConformancePlatform, revision: string): Promise<number> {
  const ports = (await platformStatus(p)).services.find((s) => s.key === revision)?.instances.flatMap((i) => (i.port === undefined ? [] : [i.port])) ?? [];
  const counts = await Promise.all(
    ports.map(async (port) => ((await (await fetch(`http://127.0.0.1:${port}/inflight`)).json()) as { inFlight: number }).inFlight),
  );
  return counts.reduce((a, b) => a + b, 0);
}
