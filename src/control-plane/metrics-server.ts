/**
 * The listener of `metrics.port`: `GET /metrics` and nothing else, without
 * the admin token, for a Prometheus that scrapes a port of its own (as
 * Knative's queue-proxy and activator publish theirs on 9090/9091).
 */
import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Registry } from 'prom-client';
import { ADMIN_LISTENER, createHttpServer, sendProblem } from '../http/index.js';
import { METRICS_PATH } from './admin-routes-metrics.js';

export function createMetricsServer(registry: Registry): Server {
  return createHttpServer({ listener: ADMIN_LISTENER }, (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    req.resume();
    if (path !== METRICS_PATH) return sendProblem(res, 'ADMIN_ROUTE_NOT_FOUND', `this port serves only GET ${METRICS_PATH}`, randomUUID());
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendProblem(res, 'ADMIN_METHOD_NOT_ALLOWED', `${METRICS_PATH} accepts GET, got ${req.method}`, randomUUID(), { allow: 'GET' });
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': registry.contentType, 'content-length': Buffer.byteLength(text) });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      () => sendProblem(res, 'ADMIN_INTERNAL', 'the metrics could not be collected; see the log', randomUUID()),
    );
  });
}
