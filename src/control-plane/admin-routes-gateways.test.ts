// Gateway reports and the admin API's settled answers, over real HTTP on a free port, on a real SQLite file.
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GATEWAY_REPORT_PATH } from '../api/gateway-report.js';
import { ACTIVATOR_TOKEN_HEADER } from '../gateway/forward-headers.js';
import { createAdminServer } from './admin-api.js';
import { gatewayReportRoutes } from './admin-routes-gateways.js';
import { GatewayReplicas, settleChanges } from './gateway-replicas.js';
import { latestChange } from '../state/latest-change.js';
import { SqliteStateStore } from '../state/sqlite-state-store.js';

const TOKEN = 'mlat_test-token-0123456789';
const GATEWAY_TOKEN = 'activator-token-of-this-platform';
const FLAGS = { flags: { color: { state: 'ENABLED', variants: { blue: 'blue' }, defaultVariant: 'blue' } } };

let stateDir: string;
let store: SqliteStateStore;
let server: Server;
let base: string;
let replicas: GatewayReplicas;
let warned: object[];

async function start(settleTimeoutMs: number): Promise<void> {
  replicas = new GatewayReplicas();
  server = createAdminServer({
    store,
    token: TOKEN,
    status: () => ({}),
    onChange: () => undefined,
    settle: settleChanges(replicas, store, { warn: (obj) => warned.push(obj) }, settleTimeoutMs),
    publicRoutes: gatewayReportRoutes(replicas, GATEWAY_TOKEN),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeEach(() => {
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-'));
  store = new SqliteStateStore({ stateDir });
  warned = [];
});

afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
  store.close();
  fs.rmSync(stateDir, { recursive: true, force: true });
});

function report(body: unknown, token: string | null = GATEWAY_TOKEN): Promise<Response> {
  return fetch(`${base}${GATEWAY_REPORT_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === null ? {} : { [ACTIVATOR_TOKEN_HEADER]: token }) },
    body: JSON.stringify(body),
  });
}

function setFlags(): Promise<Response> {
  return fetch(`${base}/v1/flags`, { method: 'PUT', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(FLAGS) });
}

describe('the admin API with gateways in other processes', () => {
  it('answers a change only once every live gateway reported it applied', async () => {
    await start(30_000);
    expect((await report({ id: 'g1', applied: latestChange(store), inFlight: {}, requests: {} })).status).toBe(204);
    let answered = false;
    const change = setFlags().then((res) => {
      answered = true;
      return res;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(answered).toBe(false);
    await report({ id: 'g1', applied: latestChange(store), inFlight: {}, requests: {} });
    expect((await change).status).toBe(200);
    expect(warned).toEqual([]);
  });

  it('answers anyway after its bound, logging the gateways that had not applied the change; reads are never held', async () => {
    await start(200);
    await report({ id: 'stuck', applied: 0, inFlight: {}, requests: {} });
    expect((await fetch(`${base}/v1/flags`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect(warned).toEqual([]);
    expect((await setFlags()).status).toBe(200);
    expect(warned).toEqual([{ behind: ['stuck'], change: latestChange(store), waitedMs: 200 }]);
  });

  it('refuses a report without the activator’s token, and a malformed one', async () => {
    await start(200);
    for (const token of [null, 'wrong']) {
      const res = await report({ id: 'g1', applied: 1, inFlight: {}, requests: {} }, token);
      expect(res.status).toBe(403);
      expect(((await res.json()) as { code: string }).code).toBe('ADMIN_GATEWAY_REFUSED');
    }
    const bad = await report({ id: 'g1', applied: -1, inFlight: { 'echo-00001': 'many' }, requests: {} });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe('ADMIN_BODY_INVALID');
    expect(replicas.status()).toEqual([]);
  });
});

describe('GatewayReplicas', () => {
  it('adds the load of gateways that reported lately, and forgets a gateway that stopped reporting', () => {
    let now = 0;
    const fleet = new GatewayReplicas({ now: () => now, loadForMs: 1_000, liveForMs: 3_000 });
    fleet.report({ id: 'a', applied: 5, inFlight: { 'echo-00001': 3 }, requests: { 'echo-00001': 10 } });
    fleet.report({ id: 'b', applied: 4, inFlight: { 'echo-00001': 2, 'other-00001': 1 }, requests: { 'echo-00001': 4, 'other-00001': 1 } });
    expect(fleet.load('echo-00001')).toBe(5);
    expect(fleet.requests('echo-00001')).toBe(14);
    expect(fleet.behind(5)).toEqual(['b']);
    now = 900;
    fleet.report({ id: 'a', applied: 5, inFlight: {}, requests: { 'echo-00001': 12 } });
    now = 1_500;
    // b's last load report is too old to count; it is still live for changes.
    expect(fleet.load('echo-00001')).toBe(0);
    expect(fleet.requests('echo-00001')).toBe(16);
    expect(fleet.behind(5)).toEqual(['b']);
    now = 3_100;
    expect(fleet.behind(5)).toEqual([]);
    expect(fleet.requests('echo-00001')).toBe(12);
    expect(fleet.status().map((g) => g.id)).toEqual(['a']);
  });
});
