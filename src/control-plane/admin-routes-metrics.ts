/**
 * Prometheus metrics on the admin port. `GET /metrics` is the platform's
 * (gateway, activator, autoscaler, runtime, process) and needs no admin
 * token, as Knative's and Cloud Run's metrics ports need none: the admin
 * listener is loopback-only, no gateway route reaches it, and a scraper should
 * not hold a token that can change everything. The ONNX servers' own metrics
 * (batches, queue) are relayed per instance behind the admin token, without a
 * gateway route: `GET /v1/revisions/:name/instances/:id/metrics`.
 */
import type { Registry } from 'prom-client';
import { MlaasError } from '../errors.js';
import { defineRoute, type AdminRoute } from './admin-router.js';

export const METRICS_PATH = '/metrics';
const INSTANCE_TIMEOUT_MS = 5_000;

/** The public route: for `publicRoutes` of the admin server, and for the metrics listener of its own. */
export function metricsRoutes(registry: Registry): AdminRoute[] {
  return [
    defineRoute({
      method: 'GET',
      path: METRICS_PATH,
      handle: async () => ({ status: 200, text: { contentType: registry.contentType, content: await registry.metrics() } }),
    }),
  ];
}

export interface InstanceMetricsDeps {
  /** Where an instance of a revision listens, undefined when the revision has no such instance now. */
  instanceAddress(revision: string, instanceId: string): { host: string; port: number } | undefined;
}

export function instanceMetricsRoutes(deps: InstanceMetricsDeps): AdminRoute[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/v1/revisions/:name/instances/:id/metrics',
      async handle({ params }) {
        const revision = params['name'] ?? '';
        const id = params['id'] ?? '';
        const address = deps.instanceAddress(revision, id);
        if (address === undefined) throw new MlaasError('ADMIN_NOT_FOUND', `revision ${revision} has no running instance ${id}`);
        let res: Response;
        try {
          res = await fetch(`http://${address.host}:${address.port}${METRICS_PATH}`, { signal: AbortSignal.timeout(INSTANCE_TIMEOUT_MS) });
        } catch (err) {
          throw new MlaasError('ADMIN_INSTANCE_UNREACHABLE', `instance ${id} did not answer GET ${METRICS_PATH}: ${(err as Error).message}`);
        }
        const content = await res.text();
        if (res.status === 404) throw new MlaasError('ADMIN_NOT_FOUND', `instance ${id} publishes no metrics at ${METRICS_PATH}`);
        if (!res.ok) {
          throw new MlaasError('ADMIN_INSTANCE_UNREACHABLE', `instance ${id} answered GET ${METRICS_PATH} with ${res.status}`);
        }
        return { status: 200, text: { contentType: res.headers.get('content-type') ?? 'text/plain; charset=utf-8', content } };
      },
    }),
  ];
}
