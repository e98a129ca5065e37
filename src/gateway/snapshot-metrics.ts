/**
 * The snapshot's health as Prometheus gauges, read when scraped:
 * `mlaas_gateway_snapshot_stale` (1 while the store cannot be read and an
 * older snapshot serves) and `mlaas_gateway_snapshot_age_seconds` (since the
 * last refresh that worked), so that an alert needs no /healthz poller.
 */
import { Gauge, type Registry } from 'prom-client';
import type { SnapshotHealth } from './snapshot-refresher.js';

export function registerSnapshotMetrics(registry: Registry, health: () => SnapshotHealth): void {
  new Gauge({
    name: 'mlaas_gateway_snapshot_stale',
    help: '1 while the state store cannot be read and the gateway serves its last snapshot, else 0',
    registers: [registry],
    collect() {
      this.set(health().stale ? 1 : 0);
    },
  });
  new Gauge({
    name: 'mlaas_gateway_snapshot_age_seconds',
    help: 'Seconds since the gateway last read its snapshot from the state store',
    registers: [registry],
    collect() {
      this.set(health().ageMs / 1000);
    },
  });
}
