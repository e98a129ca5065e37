// ReplicaReporter against a real loopback server standing in for the control plane's admin API.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GATEWAY_REPORT_PATH, type GatewayReport } from '../api/gateway-report.js';
import { ACTIVATOR_TOKEN_HEADER } from './forward-headers.js';
import { ReplicaReporter } from './replica-reporter.js';

let server: Server;
let url: string;
let received: Array<{ path: string | undefined; token: unknown; report: GatewayReport }>;
let reporter: ReplicaReporter | undefined;

beforeEach(async () => {
  received = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ path: req.url, token: req.headers[ACTIVATOR_TOKEN_HEADER], report: JSON.parse(body) as GatewayReport });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  reporter?.stop();
  await new Promise((r) => server.close(r));
});

async function until(what: string, ok: () => boolean, withinMs = 15_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('ReplicaReporter', () => {
  it('reports what it applied at once, its load while it has some, and the load gone once it is', async () => {
    let applied = 7;
    let inFlight: Record<string, number> = {};
    let requests: Record<string, number> = {};
    reporter = new ReplicaReporter({
      id: 'gw-1',
      target: () => ({ url, token: 'tok' }),
      applied: () => applied,
      inFlight: () => inFlight,
      requests: () => requests,
      logger: pino({ level: 'silent' }),
      busyEveryMs: 20,
      idleEveryMs: 60_000,
    });
    reporter.start();
    await until('the first report', () => received.length >= 1);
    expect(received[0]).toEqual({ path: GATEWAY_REPORT_PATH, token: 'tok', report: { id: 'gw-1', applied: 7, inFlight: {}, requests: {} } });
    applied = 8;
    reporter.nudge();
    await until('the nudged report', () => received.some((r) => r.report.applied === 8));
    inFlight = { 'echo-00001': 3, 'idle-00001': 0 };
    await until('three busy reports', () => received.filter((r) => r.report.inFlight['echo-00001'] === 3).length >= 3);
    inFlight = {};
    await until('the load gone', () => received.at(-1)?.report.inFlight['echo-00001'] === undefined);
    // A request that came and went between two ticks moves the counter: reported though nothing is in flight.
    requests = { 'echo-00001': 1, 'idle-00001': 0 };
    await until('the counted request', () => received.at(-1)?.report.requests['echo-00001'] === 1);
    const count = received.length;
    // Idle, with a heartbeat a minute away: nothing more is sent.
    await new Promise((r) => setTimeout(r, 150));
    expect(received.length).toBe(count);
    expect(received.every((r) => !('idle-00001' in r.report.inFlight) && !('idle-00001' in r.report.requests))).toBe(true);
  });

  it('sends nothing while no control plane runs', async () => {
    reporter = new ReplicaReporter({
      id: 'gw-2',
      target: () => undefined,
      applied: () => 1,
      inFlight: () => ({ 'echo-00001': 1 }),
      requests: () => ({ 'echo-00001': 1 }),
      logger: pino({ level: 'silent' }),
      busyEveryMs: 10,
    });
    reporter.start();
    await new Promise((r) => setTimeout(r, 100));
    expect(received).toEqual([]);
  });
});
