// Metrics on the admin port: the platform's for anyone, an instance's relayed behind the admin token.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminServer } from './admin-api.js';
import { instanceMetricsRoutes, metricsRoutes } from './admin-routes-metrics.js';
import { FakeStateStore } from '../state/fake-state-store.js';

let server: Server;
let instance: Server;
let base: string;
const auth = { authorization: 'Bearer mlat_secret' };

beforeAll(async () => {
  const registry = new Registry();
  new Counter({ name: 'mlaas_test_total', help: 'A test counter.', registers: [registry] }).inc(3);
  instance = createServer((req, res) => {
    if (req.url !== '/metrics') return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end('mlaas_onnx_queue_length{model="spam"} 0\n');
  });
  await new Promise<void>((r) => instance.listen(0, '127.0.0.1', r));
  const port = (instance.address() as AddressInfo).port;
  const instances: Record<string, { host: string; port: number }> = {
    'spam-00001/spam-00001-a': { host: '127.0.0.1', port },
    // Nothing listens on port 1.
    'spam-00001/spam-00001-gone': { host: '127.0.0.1', port: 1 },
  };
  server = createAdminServer({
    store: new FakeStateStore(),
    token: 'mlat_secret',
    status: () => ({}),
    onChange: () => undefined,
    routes: instanceMetricsRoutes({ instanceAddress: (revision, id) => instances[`${revision}/${id}`] }),
    publicRoutes: metricsRoutes(registry),
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await new Promise((r) => instance.close(r));
});

describe('GET /metrics', () => {
  it('answers the Prometheus text without an admin token', async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await res.text()).toContain('mlaas_test_total 3');
  });
});

describe('GET /v1/revisions/:name/instances/:id/metrics', () => {
  it("relays the instance's own metrics to a caller with the admin token, and to no one else", async () => {
    const res = await fetch(`${base}/v1/revisions/spam-00001/instances/spam-00001-a/metrics`, { headers: auth });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('mlaas_onnx_queue_length{model="spam"} 0\n');
    expect((await fetch(`${base}/v1/revisions/spam-00001/instances/spam-00001-a/metrics`)).status).toBe(401);
  });

  it('answers 404 for an instance the revision does not have, and 502 for one that does not answer', async () => {
    const missing = await fetch(`${base}/v1/revisions/spam-00001/instances/spam-00001-zz/metrics`, { headers: auth });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'ADMIN_NOT_FOUND', detail: 'revision spam-00001 has no running instance spam-00001-zz' });
    const gone = await fetch(`${base}/v1/revisions/spam-00001/instances/spam-00001-gone/metrics`, { headers: auth });
    expect(gone.status).toBe(502);
    expect(gone.headers.get('content-type')).toBe('application/problem+json');
    expect(await gone.json()).toMatchObject({ code: 'ADMIN_INSTANCE_UNREACHABLE' });
  });
});
