/**
 * What `mlaas up` reports of the gateways in front of its revisions: the
 * in-process gateway, its `gateway.workers` processes and the `mlaas gateway`
 * replicas, summed per revision for the autoscaler and listed for `mlaas status`.
 */
import type { AutoscalerLoop, ColdStartLog } from './autoscaler/index.js';
import type { GatewayReplicas } from './control-plane/gateway-replicas.js';
import type { Gateway } from './gateway/index.js';
import type { RunningGatewayWorkers } from './platform-gateway-workers.js';
import type { Supervisor } from './runtime/supervisor.js';
import type { HaproxyDataPlane } from './haproxy/haproxy-data-plane.js';

export interface GatewayLoadSources {
  gateway: Gateway;
  replicas: GatewayReplicas;
  /** Started after the gateway, so read when asked. */
  workers: () => RunningGatewayWorkers | undefined;
  /** HAProxy in front (gateway.dataplane: haproxy): what it sends instances itself. */
  haproxy: () => HaproxyDataPlane | undefined;
}

/** Requests in flight at a revision, and those waiting for it, across every gateway: what the autoscaler observes. */
export function revisionLoad({ gateway, replicas, workers }: GatewayLoadSources, revision: string): number {
  return gateway.revisionLoad(revision) + replicas.load(revision) + (workers()?.workers.revisionLoad(revision) ?? 0);
}

/** Requests that have reached a revision so far across every gateway, a counter: the autoscaler's rps metric. */
export function revisionRequests({ gateway, replicas, workers }: GatewayLoadSources, revision: string): number {
  return gateway.revisionRequests(revision) + replicas.requests(revision) + (workers()?.workers.revisionRequests(revision) ?? 0);
}

export interface PlatformStatusSources extends GatewayLoadSources {
  supervisor: Supervisor;
  autoscaler: AutoscalerLoop;
  coldStarts: ColdStartLog;
  sharedQuotas: { status(): unknown } | undefined;
}

/** The admin API's `GET /v1/status` body: instances, load, autoscaler, activator, quotas and the gateways. */
export function platformStatus(s: PlatformStatusSources): () => unknown {
  return () => ({
    services: s.supervisor.status(),
    inFlight: s.workers()?.workers.inFlight(s.gateway.inFlight()) ?? s.gateway.inFlight(),
    autoscaler: s.autoscaler.status() ?? [],
    activator: s.gateway.activatorStatus(),
    coldStarts: s.coldStarts.summary(),
    shadow: s.gateway.shadowStats(),
    quotas: s.gateway.documentQuotas(),
    quotaStore: s.sharedQuotas?.status(),
    gateways: s.replicas.status(),
    gatewayWorkers: s.workers()?.workers.status(),
    haproxy: s.haproxy()?.status(),
  });
}
