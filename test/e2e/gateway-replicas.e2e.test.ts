/**
 * Black-box: a control plane (`mlaas up`) on a real PostgreSQL with quotas in
 * a real redis-server, and three `mlaas gateway` replicas on loopback ports,
 * a client spread round-robin over them. A key revoked on the admin API is
 * refused by every replica within a second; a flag change reaches every
 * replica's next request (the admin API answers once they serve it); a key
 * limited to 600/min gets 600 ± 5% of 1,000 sent across the three; load
 * through one replica only scales the service out; `kill -9` of one replica
 * loses no request (a client re-sends what it could not connect for) and the
 * others keep serving; with PostgreSQL stopped the replicas serve their last
 * snapshot, and /healthz and /metrics say it is stale, until it is back.
 * A replica refuses a database no control plane has migrated.
 */
import { execFile } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresServer } from '../postgres-server.js';
import { startRedis, type TestRedis } from '../redis-server.js';
import { BIN, startMlaasGateway, startMlaasUp, waitUntil, type MlaasGateway, type MlaasUp } from './mlaas-process.js';
import { postRoutesDocument, writeNodeService } from './scenario.js';

const REVISION = 'echo-00001';

interface Echo {
  revision: string;
  config: Record<string, unknown>;
}

interface Health {
  status: string;
  snapshot: { stale: boolean; error?: string };
  quotaStore?: { shared: boolean };
}

let postgres: PostgresServer;
let redis: TestRedis;
let dir: string;
let up: MlaasUp;
let admin: { url: string; token: string };
const replicas: MlaasGateway[] = [];

beforeAll(async () => {
  [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
  const database = await postgres.createDatabase();
  dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-e2e-replicas-'));
  writeNodeService(
    path.join(dir, 'echo'),
    `  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const config = JSON.parse(Buffer.from(req.headers['x-mlaas-config'] ?? 'e30', 'base64url').toString('utf8'));
    const answer = () => res.end(JSON.stringify({ revision: req.headers['x-mlaas-revision'], config }));
    const sleep = Number(JSON.parse(body || '{}').sleepMs ?? 0);
    if (sleep > 0) setTimeout(answer, sleep); else answer();
  });`,
  );
  writeFileSync(path.join(dir, 'api-gateway.yaml'), postRoutesDocument([{ path: '/v1/echo', address: 'mlaas://echo/work', deadline: 30 }]));
  writeFileSync(
    path.join(dir, 'mlaas.yaml'),
    `gateway: { document: api-gateway.yaml }
stateDir: state
state: '${database}'
quotas: { redis: '${redis.url}/2' }
services:
  echo:
    source: echo
    command: [node, server.mjs]
    scaling: { minInstances: 1, maxInstances: 3, concurrency: 2, target: 2, utilization: 100, stableWindow: 6s }
tenants:
  demo: { demoKey: true }
`,
  );
  up = await startMlaasUp(dir, 'state');
  const endpoint = JSON.parse(readFileSync(path.join(dir, 'state', 'endpoint.json'), 'utf8')) as { adminUrl: string };
  admin = { url: endpoint.adminUrl, token: readFileSync(path.join(dir, 'state', 'admin-token'), 'utf8').trim() };
  for (let i = 0; i < 3; i++) replicas.push(await startMlaasGateway(dir));
}, 180_000);

afterAll(async () => {
  await Promise.all(replicas.map((r) => r.stop('SIGTERM')));
  await up?.stop('SIGTERM');
  await Promise.all([postgres?.close(), redis?.stop()]);
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

function call(replica: MlaasGateway, key: string, body = '{}'): Promise<Response> {
  return fetch(`${replica.gatewayUrl}/v1/echo`, { method: 'POST', headers: { 'x-api-key': key }, body, signal: AbortSignal.timeout(30_000) });
}

async function adminCall(method: string, route: string, body?: unknown): Promise<Response> {
  const res = await fetch(`${admin.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
  return res;
}

async function health(replica: MlaasGateway): Promise<Health> {
  return (await (await fetch(replica.healthUrl)).json()) as Health;
}

async function staleGauge(replica: MlaasGateway): Promise<string | undefined> {
  return /^mlaas_gateway_snapshot_stale (\d)$/m.exec(await (await fetch(replica.healthUrl.replace('/healthz', '/metrics'))).text())?.[1];
}

function colorFlags(color: string): unknown {
  return { flags: { color: { state: 'ENABLED', variants: { blue: 'blue', green: 'green' }, defaultVariant: color } } };
}

async function revisionReady(): Promise<number> {
  const status = JSON.parse(await up.cliOk(['status', '-o', 'json'])) as { services: Array<{ key: string; ready: number }> };
  return status.services.find((s) => s.key === REVISION)?.ready ?? 0;
}

describe('three mlaas gateway replicas on PostgreSQL and Redis', () => {
  it('serves through every replica, each sharing quotas through Redis and reporting to the control plane', async () => {
    for (const replica of replicas) {
      const res = await call(replica, up.demoKey);
      expect(res.status).toBe(200);
      expect(((await res.json()) as Echo).revision).toBe(REVISION);
      expect(await health(replica)).toMatchObject({ status: 'serving', snapshot: { stale: false }, quotaStore: { shared: true } });
      expect(await staleGauge(replica)).toBe('0');
    }
    const gateways = await waitUntil(
      'three reporting gateways',
      async () => (JSON.parse(await up.cliOk(['status', '-o', 'json'])) as { gateways: unknown[] }).gateways.length,
      (n) => n === 3,
      5_000,
    );
    expect(gateways).toBe(3);
    expect(await up.cliOk(['status'])).toContain('gateways: 3 mlaas gateway replica(s) reporting; in flight through them: none');
  }, 60_000);

  it('refuses to start on a database no control plane has migrated: exit 1, PLATFORM_STATE_NOT_READY', async () => {
    const fresh = await postgres.createDatabase();
    writeFileSync(path.join(dir, 'fresh.yaml'), readFileSync(path.join(dir, 'mlaas.yaml'), 'utf8').replace(/^state: .*$/m, `state: '${fresh}'`));
    const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(process.execPath, [BIN, 'gateway', '-f', 'fresh.yaml', '--port', '0'], { cwd: dir, timeout: 30_000 }, (err, _out, stderr) =>
        resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stderr }),
      );
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/has schema version 0, expected \d+; start the control plane \(mlaas up\) on it first \[PLATFORM_STATE_NOT_READY\]/);
    expect(replicas[0]?.output().stdout).toMatch(new RegExp(`state +postgres://mlaas@127\\.0\\.0\\.1:${postgres.port}/test_1 `));
  }, 60_000);

  it('refuses a key revoked on the admin API on every replica within a second', async () => {
    const created = (await (await adminCall('POST', '/v1/tenants/demo/keys', {})).json()) as { key: string; id: string };
    // The admin API answered once every replica serves the new key.
    for (const replica of replicas) expect((await call(replica, created.key)).status).toBe(200);
    const revokedAt = Date.now();
    await adminCall('DELETE', `/v1/keys/${created.id}`);
    const statuses = await Promise.all(replicas.map(async (r) => (await call(r, created.key)).status));
    expect(statuses).toEqual([401, 401, 401]);
    expect(Date.now() - revokedAt).toBeLessThan(1_000);
  }, 30_000);

  it('gives every replica’s next request the flag value the admin API just set', async () => {
    for (const color of ['blue', 'green', 'blue', 'green']) {
      await adminCall('PUT', '/v1/flags', colorFlags(color));
      const seen = await Promise.all(replicas.map(async (r) => ((await (await call(r, up.demoKey)).json()) as Echo).config['color']));
      expect(seen).toEqual([color, color, color]);
    }
  }, 30_000);

  it('lets 600 ± 5% of 1,000 requests of a key limited to 600/min through across the three, each answered once', async () => {
    const created = (await (await adminCall('POST', '/v1/tenants/demo/keys', { quota: { requestsPerMinute: 600 } })).json()) as { key: string };
    const statuses: Record<number, number> = {};
    let next = 0;
    await Promise.all(
      Array.from({ length: 12 }, async () => {
        while (next < 1_000) {
          const replica = replicas[next++ % 3] as MlaasGateway;
          const res = await call(replica, created.key);
          await res.arrayBuffer();
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        }
      }),
    );
    expect(Object.keys(statuses).sort()).toEqual(['200', '429']);
    expect((statuses[200] ?? 0) + (statuses[429] ?? 0)).toBe(1_000);
    expect(statuses[200]).toBeGreaterThanOrEqual(570);
    expect(statuses[200]).toBeLessThanOrEqual(630);
  }, 60_000);

  it('scales the service out under load sent through one replica only', async () => {
    expect(await revisionReady()).toBe(1);
    // 6 callers × 300 ms requests at 2 per instance: the autoscaler wants 3, and sees them only through the replica's reports.
    let running = true;
    let peak = 0;
    const failures: number[] = [];
    const callers = Array.from({ length: 6 }, async () => {
      for (let n = 0; running && n < 150; n++) {
        const res = await call(replicas[0] as MlaasGateway, up.demoKey, '{"sleepMs":300}');
        await res.arrayBuffer();
        if (res.status !== 200) failures.push(res.status);
      }
    });
    const deadline = Date.now() + 20_000;
    while (peak < 3 && Date.now() < deadline) {
      peak = Math.max(peak, await revisionReady());
      await new Promise((r) => setTimeout(r, 250));
    }
    running = false;
    await Promise.all(callers);
    expect(peak).toBeGreaterThanOrEqual(2);
    expect(failures).toEqual([]);
  }, 60_000);

  it('loses no request when one replica is killed with -9, and the others keep serving', async () => {
    const victim = replicas[2] as MlaasGateway;
    const answers: Record<string, number> = {};
    let resent = 0;
    let next = 0;
    const load = Promise.all(
      Array.from({ length: 6 }, async () => {
        while (next < 600) {
          let at = next++ % 3;
          // A client re-sends to the next replica what it could not deliver, as a load balancer does.
          for (let tries = 0; ; tries++) {
            try {
              const res = await call(replicas[at] as MlaasGateway, up.demoKey);
              await res.arrayBuffer();
              answers[res.status] = (answers[res.status] ?? 0) + 1;
              break;
            } catch (err) {
              if (tries >= 2) throw err;
              resent++;
              at = (at + 1) % 3;
            }
          }
        }
      }),
    );
    await waitUntil('the load to be under way', async () => next, (n) => n >= 100, 10_000, 20);
    victim.child.kill('SIGKILL');
    await load;
    expect(answers).toEqual({ 200: 600 });
    expect(resent).toBeGreaterThan(0);
    const survivors = replicas.slice(0, 2);
    for (const replica of survivors) expect((await call(replica, up.demoKey)).status).toBe(200);
    // The control plane stops counting the dead replica; changes are again answered once the survivors serve them.
    await waitUntil(
      'the killed replica to leave the control plane’s list',
      async () => (JSON.parse(await up.cliOk(['status', '-o', 'json'])) as { gateways: unknown[] }).gateways.length,
      (n) => n === 2,
      10_000,
    );
    const startedAt = Date.now();
    await adminCall('PUT', '/v1/flags', colorFlags('blue'));
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    const seen = await Promise.all(survivors.map(async (r) => ((await (await call(r, up.demoKey)).json()) as Echo).config['color']));
    expect(seen).toEqual(['blue', 'blue']);
  }, 60_000);

  it('keeps serving the last snapshot while PostgreSQL is stopped, says it is stale, and follows the store again once it is back', async () => {
    const survivors = replicas.slice(0, 2);
    await postgres.halt();
    try {
      for (const replica of survivors) {
        const h = await waitUntil('the replica to notice', () => health(replica), (x) => x.snapshot.stale, 15_000);
        expect(h.status).toBe('serving a stale snapshot');
        expect(h.snapshot.error).toContain('PostgreSQL');
        expect(await staleGauge(replica)).toBe('1');
      }
      for (let i = 0; i < 20; i++) {
        const res = await call(survivors[i % 2] as MlaasGateway, up.demoKey);
        expect(res.status).toBe(200);
        expect(((await res.json()) as Echo).config['color']).toBe('blue');
      }
    } finally {
      await postgres.resume();
    }
    for (const replica of survivors) {
      await waitUntil('the replica to read the store again', () => health(replica), (x) => !x.snapshot.stale, 20_000);
      expect(await staleGauge(replica)).toBe('0');
    }
    await waitUntil('the control plane to answer changes again', async () => (await fetch(`${admin.url}/v1/flags`, { headers: { authorization: `Bearer ${admin.token}` } })).status, (s) => s === 200, 20_000);
    await adminCall('PUT', '/v1/flags', colorFlags('green'));
    const seen = await Promise.all(survivors.map(async (r) => ((await (await call(r, up.demoKey)).json()) as Echo).config['color']));
    expect(seen).toEqual(['green', 'green']);
  }, 90_000);
});
