/**
 * What HAProxy serves, on the platform's /metrics, read from its stats when
 * scraped (as last polled, every 200 ms): requests it sent each revision's
 * instances itself and those in flight there now, and the requests it handed
 * on to the TypeScript gateway — whose own series count those alone.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export interface HaproxyMetricsSource {
  /** Revision → requests HAProxy sent its instances so far. */
  servedByRevision(): ReadonlyMap<string, number>;
  /** Revision → requests in flight or queued at its instances through HAProxy. */
  inFlightByRevision(): ReadonlyMap<string, number>;
  /** Requests handed on to the TypeScript gateway so far. */
  handedOn(): number;
}

export function registerHaproxyMetrics(registry: Registry, source: HaproxyMetricsSource): void {
  new Counter({
    name: 'mlaas_haproxy_requests_total',
    help: 'Requests HAProxy (gateway.dataplane: haproxy) sent to instances itself, by revision.',
    labelNames: ['revision'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [revision, n] of source.servedByRevision()) this.inc({ revision }, n);
    },
  });
  new Gauge({
    name: 'mlaas_haproxy_requests_in_flight',
    help: 'Requests in flight or queued at instances through HAProxy, by revision.',
    labelNames: ['revision'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [revision, n] of source.inFlightByRevision()) this.set({ revision }, n);
    },
  });
  new Counter({
    name: 'mlaas_haproxy_handed_on_total',
    help: 'Requests HAProxy handed on to the TypeScript gateway (refusals, activation, what it does not serve itself); the mlaas_gateway_* series count these.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(source.handedOn());
    },
  });
}
