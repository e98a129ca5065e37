/**
 * Black-box: two real `mlaas up` platforms (each its own state dir, the same
 * tenant) with `quotas.redis` pointing at one real redis-server
 * (test/redis-server.ts) enforce the tenant's limit together; with
 * `failOpen: false` they answer 503 GW_QUOTA_UNAVAILABLE while Redis is
 * gone, say so on /metrics, in `mlaas status` and once in their log (the
 * Redis password masked), and share again once it is back.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from '../redis-server.js';
import { startMlaasUp, type MlaasUp } from './mlaas-process.js';

const REDIS_PASSWORD = 'e2e-s3cret';
let redis: TestRedis;
let backend: Server;
let root: string;
const platforms: MlaasUp[] = [];
const adminUrls: string[] = [];

function gatewayDocument(backendUrl: string): string {
  return `swagger: '2.0'
info: { title: shared quotas, version: 1.0.0 }
securityDefinitions:
  api_key: { type: apiKey, name: x-api-key, in: header }
security: [{ api_key: [] }]
paths:
  /v1/predict:
    post:
      x-google-backend: { address: '${backendUrl}/predict' }
      responses: { '200': { description: ok } }
`;
}

beforeAll(async () => {
  redis = await startRedis({ password: REDIS_PASSWORD });
  backend = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('{"ok":true}'));
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  root = mkdtempSync(path.join(os.tmpdir(), 'mlaas-e2e-shared-quotas-'));
  for (const name of ['one', 'two']) {
    const dir = path.join(root, name);
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'api-gateway.yaml'), gatewayDocument(`http://127.0.0.1:${(backend.address() as AddressInfo).port}`));
    writeFileSync(
      path.join(dir, 'mlaas.yaml'),
      `gateway: { document: api-gateway.yaml }
stateDir: state
quotas: { redis: '${redis.url}/3', failOpen: false }
tenants:
  acme: { demoKey: true, quota: { requestsPerMinute: 10 } }
`,
    );
  }
  for (const name of ['one', 'two']) {
    const dir = path.join(root, name);
    platforms.push(await startMlaasUp(dir, 'state'));
    adminUrls.push((JSON.parse(readFileSync(path.join(dir, 'state', 'endpoint.json'), 'utf8')) as { adminUrl: string }).adminUrl);
  }
}, 120_000);

afterAll(async () => {
  await Promise.all(platforms.map((p) => p.stop()));
  await redis?.stop();
  await new Promise((r) => backend?.close(r));
  rmSync(root, { recursive: true, force: true });
});

/** `n` requests with each platform's own demo key of tenant acme, in turn; answers their statuses by count and the codes seen. */
async function alternate(n: number): Promise<{ statuses: Record<number, number>; codes: string[] }> {
  const statuses: Record<number, number> = {};
  const codes = new Set<string>();
  for (let i = 0; i < n; i++) {
    const up = platforms[i % 2] as MlaasUp;
    const res = await fetch(`${up.gatewayUrl}/v1/predict`, { method: 'POST', headers: { 'x-api-key': up.demoKey }, signal: AbortSignal.timeout(5_000) });
    statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    if (res.status !== 200) codes.add(((await res.json()) as { code: string }).code);
    else await res.text();
  }
  return { statuses, codes: [...codes] };
}

async function degradedGauges(): Promise<string[]> {
  return Promise.all(adminUrls.map(async (url) => /^mlaas_gateway_quota_degraded (\d)$/m.exec(await (await fetch(`${url}/metrics`)).text())?.[1] ?? 'absent'));
}

async function untilGauges(value: string): Promise<void> {
  const until = Date.now() + 10_000;
  let seen = await degradedGauges();
  while (!seen.every((v) => v === value) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    seen = await degradedGauges();
  }
  expect(seen).toEqual([value, value]);
}

describe('quotas.redis across two mlaas platforms', () => {
  it('lets 10 of 15 requests of one tenant through across both under its limit of 10 per minute', async () => {
    expect(await degradedGauges()).toEqual(['0', '0']);
    expect(await alternate(15)).toEqual({ statuses: { 200: 10, 429: 5 }, codes: ['GW_QUOTA_EXCEEDED'] });
    const status = JSON.parse(await (platforms[0] as MlaasUp).cliOk(['status', '--output', 'json'])) as { quotaStore: unknown };
    expect(status.quotaStore).toEqual({ redis: `redis://:***@127.0.0.1:${redis.port}/3`, failOpen: false, shared: true });
  });

  it('answers 503 GW_QUOTA_UNAVAILABLE from both while Redis is gone (failOpen: false), then shares a fresh Redis again', async () => {
    await redis.kill();
    expect(await alternate(6)).toEqual({ statuses: { 503: 6 }, codes: ['GW_QUOTA_UNAVAILABLE'] });
    await untilGauges('1');
    expect(await (platforms[1] as MlaasUp).cliOk(['status'])).toContain(
      `quotas: DEGRADED, redis://:***@127.0.0.1:${redis.port}/3 unreachable; requests a limit applies to get 503 (failOpen: false)`,
    );
    await redis.start();
    await untilGauges('0');
    expect(await alternate(15)).toEqual({ statuses: { 200: 10, 429: 5 }, codes: ['GW_QUOTA_EXCEEDED'] });
    for (const name of ['one', 'two']) {
      const log = readFileSync(path.join(root, name, 'state', 'logs', 'mlaas.log'), 'utf8');
      expect(log.match(/quotas degraded: Redis unreachable/g)).toHaveLength(1);
      expect(log.match(/quotas shared through Redis/g)).toHaveLength(2);
      expect(log).toContain(':***@127.0.0.1');
      expect(log).not.toContain(REDIS_PASSWORD);
    }
  });
});
