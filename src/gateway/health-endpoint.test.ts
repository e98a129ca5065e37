// The health listener of `mlaas gateway` over real HTTP on a free port: /healthz with the snapshot and quotas, /metrics.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { healthEndpoint, type HealthEndpointOptions } from './health-endpoint.js';
import { registerSnapshotMetrics } from './snapshot-metrics.js';
import type { SnapshotHealth } from './snapshot-refresher.js';

let server: Server | undefined;

async function serve(options: HealthEndpointOptions): Promise<string> {
  server = createServer(healthEndpoint(options));
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  await new Promise((r) => (server === undefined ? r(undefined) : server.close(r)));
  server = undefined;
});

const STALE: SnapshotHealth = { stale: true, refreshedAt: '2026-01-01T00:00:00.000Z', ageMs: 12_500, error: 'state: lost the connection to PostgreSQL', ready: {} };

describe('the health listener', () => {
  it('says the snapshot is stale and the quotas degraded on /healthz, and both on /metrics', async () => {
    const registry = new Registry();
    registerSnapshotMetrics(registry, () => STALE);
    const base = await serve({
      snapshot: () => STALE,
      quotaStore: () => ({ redis: 'redis://127.0.0.1:6379', failOpen: true, shared: false }),
      registry,
    });
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({
      status: 'serving a stale snapshot',
      snapshot: STALE,
      quotaStore: { redis: 'redis://127.0.0.1:6379', failOpen: true, shared: false },
    });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^mlaas_gateway_snapshot_stale 1$/m);
    expect(metrics).toMatch(/^mlaas_gateway_snapshot_age_seconds 12\.5$/m);
  });

  it('answers 404 problem+json for any other path, and for /metrics when metrics are off', async () => {
    const base = await serve({ snapshot: () => ({ ...STALE, stale: false }) });
    for (const path of ['/metrics', '/other']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(((await res.json()) as { code: string }).code).toBe('GW_ROUTE_NOT_FOUND');
    }
    expect(((await (await fetch(`${base}/healthz`)).json()) as { status: string }).status).toBe('serving');
  });
});
