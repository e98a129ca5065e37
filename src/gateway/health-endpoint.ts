/**
 * The health listener of `mlaas gateway`, on a port of its own so that no
 * route of the gateway document is shadowed. `GET /healthz`: 200 while it
 * serves, with the state of its snapshot (stale when the store cannot be
 * read, and since when it last could) and of its shared quotas, for load
 * balancers and operators alike. `GET /metrics`: its Prometheus metrics,
 * with the snapshot's staleness and age among them (snapshot-metrics.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { sendProblem } from '../http/index.js';
import type { QuotaStoreStatus } from './redis-quota-limiter.js';
import type { SnapshotHealth } from './snapshot-refresher.js';
import { requestIdOf } from './trace-context.js';

export interface HealthEndpointOptions {
  snapshot(): SnapshotHealth;
  /** With `quotas.redis`: whether limits are shared now. */
  quotaStore?: () => QuotaStoreStatus;
  /** Served at `/metrics` when given. */
  registry?: Registry;
}

export function healthEndpoint(options: HealthEndpointOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const paths = options.registry === undefined ? '/healthz' : '/healthz and /metrics';
  return (req, res) => {
    const requestId = requestIdOf(req.headers['x-request-id']);
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/healthz' && (path !== '/metrics' || options.registry === undefined)) {
      return sendProblem(res, 'GW_ROUTE_NOT_FOUND', `the health listener serves only ${paths}, got ${path}`, requestId);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendProblem(res, 'GW_METHOD_NOT_ALLOWED', `${path} accepts GET, got ${req.method}`, requestId, { allow: 'GET, HEAD' });
    }
    if (path === '/metrics' && options.registry !== undefined) {
      const registry = options.registry;
      void registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store', 'x-request-id': requestId });
          res.end(req.method === 'HEAD' ? undefined : text);
        },
        () => sendProblem(res, 'GW_INTERNAL', 'the metrics could not be collected', requestId),
      );
      return;
    }
    const snapshot = options.snapshot();
    const quotaStore = options.quotaStore?.();
    const body = JSON.stringify({ status: snapshot.stale ? 'serving a stale snapshot' : 'serving', snapshot, ...(quotaStore === undefined ? {} : { quotaStore }) });
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-request-id': requestId });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
