/** `GET /v1/console/series`: the last 15 minutes of each service's rates, latency and instances (service-series.ts), for the console's charts. */
import { defineRoute, type AdminRoute } from './admin-router.js';
import type { ServiceSeries } from './service-series.js';

export function seriesRoutes(series: ServiceSeries): AdminRoute[] {
  return [defineRoute({ method: 'GET', path: '/v1/console/series', handle: () => ({ status: 200, headers: { 'cache-control': 'no-store' }, body: series.snapshot() }) })];
}
