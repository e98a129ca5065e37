/**
 * Black-box: `mlaas gateway` as its own process beside `mlaas up` on the same
 * state directory. It serves an outside `http://` backend and the platform
 * service `mlaas up` runs, follows changes to its gateway document, refuses a key revoked on the admin API within a
 * second, answers a request for a service scaled to zero (held through the
 * cold start by the control plane's activator). (A snapshot gone stale is
 * src/gateway/snapshot-refresher.test.ts's: an open SQLite file does not
 * become unreadable on cue.)
 */
import { createServer, type Server } from 'node:http';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, startMlaasGateway, startMlaasUp, waitUntil, type MlaasGateway, type MlaasUp } from './mlaas-process.js';
import { writeNodeService } from './scenario.js';

interface Health {
  status: string;
  snapshot: { stale: boolean; refreshedAt: string; ageMs: number; error?: string; ready: Record<string, number> };
}

let dir: string;
let outside: Server;
let up: MlaasUp;
let gateway: MlaasGateway;
let documentText: string;

const REVISION = 'echo-00001';

async function health(): Promise<Health> {
  return (await (await fetch(gateway.healthUrl)).json()) as Health;
}

async function controlPlaneReady(): Promise<number> {
  const status = JSON.parse(await up.cliOk(['status', '-o', 'json'])) as { services: Array<{ key: string; ready: number; instances: unknown[] }> };
  const s = status.services.find((x) => x.key === REVISION);
  return s === undefined ? 0 : s.ready + s.instances.length;
}

function callEcho(key: string): Promise<Response> {
  return fetch(`${gateway.gatewayUrl}/v1/echo`, { method: 'POST', headers: { 'x-api-key': key }, body: '{"text":"hi"}' });
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-e2e-standalone-'));
  outside = createServer((req, res) => res.end(JSON.stringify({ outside: true, url: req.url })));
  await new Promise<void>((r) => outside.listen(0, '127.0.0.1', r));
  const outsidePort = (outside.address() as AddressInfo).port;
  writeNodeService(
    path.join(dir, 'echo'),
    `  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => res.end(JSON.stringify({ pid: process.pid, tenant: req.headers['x-mlaas-tenant'], revision: req.headers['x-mlaas-revision'], body })));`,
  );
  documentText = `swagger: '2.0'
info: { title: e2e, version: 1.0.0 }
securityDefinitions:
  api_key: { type: apiKey, name: x-api-key, in: header }
security: [{ api_key: [] }]
paths:
  /v1/echo:
    post:
      x-google-backend: { address: 'mlaas://echo/work', deadline: 30 }
      responses: { '200': { description: ok } }
  /v1/outside:
    get:
      x-google-backend: { address: 'http://127.0.0.1:${outsidePort}/ext' }
      responses: { '200': { description: ok } }
`;
  writeFileSync(path.join(dir, 'api-gateway.yaml'), documentText);
  writeFileSync(
    path.join(dir, 'mlaas.yaml'),
    `gateway: { document: api-gateway.yaml }
stateDir: state
services:
  echo:
    source: echo
    command: [node, server.mjs]
    scaling: { minInstances: 0, maxInstances: 1, scaleToZeroAfter: 2s, stableWindow: 6s }
tenants:
  demo: { demoKey: true }
`,
  );
  up = await startMlaasUp(dir, 'state');
  gateway = await startMlaasGateway(dir);
}, 150_000);

afterAll(async () => {
  await gateway?.stop('SIGTERM');
  await up?.stop('SIGTERM');
  await new Promise((r) => outside.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('mlaas gateway beside mlaas up', () => {
  it('serves an outside http:// backend and the platform service, with the tenant’s context, on its own port', async () => {
    expect(gateway.gatewayUrl).not.toBe(up.gatewayUrl);
    const out = await fetch(`${gateway.gatewayUrl}/v1/outside`, { headers: { 'x-api-key': up.demoKey } });
    expect(out.status).toBe(200);
    expect(await out.json()).toEqual({ outside: true, url: '/ext' });
    const res = await callEcho(up.demoKey);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ tenant: 'demo', revision: REVISION, body: '{"text":"hi"}' });
    expect((await fetch(`${gateway.gatewayUrl}/v1/echo`, { method: 'POST', body: '{}' })).status).toBe(401);
    expect(await health()).toMatchObject({ status: 'serving', snapshot: { stale: false } });
  }, 60_000);

  it('reads its gateway document again when it changes: a route added to it answers', async () => {
    const outsideRoute = documentText.slice(documentText.indexOf('  /v1/outside:'));
    const added = `${documentText}${outsideRoute.replace('/v1/outside:', '/v1/added:').replace('/ext', '/added')}`;
    writeFileSync(path.join(dir, 'api-gateway.yaml'), added);
    const res = await waitUntil(
      'the added route',
      async () => {
        const r = await fetch(`${gateway.gatewayUrl}/v1/added`, { headers: { 'x-api-key': up.demoKey } });
        return { status: r.status, body: await r.text() };
      },
      (r) => r.status === 200,
      10_000,
      100,
    );
    expect(JSON.parse(res.body)).toEqual({ outside: true, url: '/added' });
  }, 30_000);

  it('refuses a key revoked on the admin API within a second', async () => {
    const key = (await up.cliOk(['keys', 'create', '--tenant', 'demo'])).trim();
    await waitUntil('the new key to reach the standalone gateway', async () => (await callEcho(key)).status, (s) => s === 200, 5_000, 50);
    const id = /^mlk_([^_]+)_/.exec(key)?.[1] as string;
    await up.cliOk(['keys', 'revoke', id]);
    const revokedAt = Date.now();
    let status = 200;
    while (status !== 401 && Date.now() - revokedAt < 3_000) {
      status = (await callEcho(key)).status;
      if (status !== 401) await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThan(1_000);
  }, 60_000);

  it('answers a request for the service scaled to zero, held through the cold start by the control plane’s activator', async () => {
    await waitUntil('scale to zero', controlPlaneReady, (n) => n === 0, 60_000, 250);
    await waitUntil('the standalone gateway to see no ready instance', health, (h) => (h.snapshot.ready[REVISION] ?? 0) === 0, 5_000, 50);
    const res = await callEcho(up.demoKey);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ tenant: 'demo', revision: REVISION });
    const status = JSON.parse(await up.cliOk(['status', '-o', 'json'])) as { coldStarts: Array<{ revision: string; count: number }> };
    expect(status.coldStarts.find((c) => c.revision === REVISION)?.count).toBeGreaterThanOrEqual(1);
    await waitUntil('the new instance in the standalone gateway’s snapshot', health, (h) => (h.snapshot.ready[REVISION] ?? 0) === 1, 5_000, 50);
  }, 120_000);
});

describe('mlaas gateway without a control plane', () => {
  it('refuses to start on a state directory no mlaas up has written, exit 1, creating nothing', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'mlaas-e2e-standalone-empty-'));
    try {
      writeFileSync(path.join(empty, 'api-gateway.yaml'), `swagger: '2.0'\ninfo: { title: e2e, version: 1.0.0 }\npaths: {}\n`);
      writeFileSync(path.join(empty, 'mlaas.yaml'), 'gateway: { document: api-gateway.yaml }\nstateDir: state\n');
      const exit = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        execFile(process.execPath, [BIN, 'gateway', '-f', 'mlaas.yaml', '--port', '0'], { cwd: empty }, (err, _out, stderr) =>
          resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stderr }),
        );
      });
      expect(exit.code).toBe(1);
      expect(exit.stderr.trim()).toMatch(/^error: \S+state\.db: no state database; start the control plane \(mlaas up\) on this state directory first \[PLATFORM_STATE_NOT_READY\]$/);
      expect(existsSync(path.join(empty, 'state'))).toBe(false);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  }, 30_000);
});

