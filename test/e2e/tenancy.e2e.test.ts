/**
 * Black-box: multi-tenancy through the real binary. A key acts for its tenant
 * only (forged x-mlaas-* headers never reach the service), within its scopes;
 * revoked and expired keys get 401; a 20% fractional flag routes 20% ± 5 of
 * 500 tenants to the canary, each always to the same revision; a 600/min key
 * sending 1,000 gets 600 ± 5% answered and 429 + Retry-After for the rest;
 * shadow traffic at 10% mirrors about 10% without moving the caller's p50;
 * a flag changed through the admin API, or in mlaas.yaml before a restart,
 * changes the config the very next request carries.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMlaasUp, waitUntil, type MlaasUp } from './mlaas-process.js';
import { postRoutesDocument, writeNodeService } from './scenario.js';

/** Every answer takes this long, a stand-in for a model call, so latency ratios are not all timer noise. */
const WORK_MS = 5;

let dir: string;
let up: MlaasUp;

function writeEchoSource(target: string, version: string): void {
  writeNodeService(
    target,
    `  req.resume();
  req.on('end', () => setTimeout(() => {
    const seen = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k.startsWith('x-mlaas-')));
    const config = seen['x-mlaas-config'] === undefined ? null : JSON.parse(Buffer.from(seen['x-mlaas-config'], 'base64url').toString());
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ version: '${version}', seen, config }));
  }, ${WORK_MS}));`,
  );
}

const flagsYaml = (threshold: number) => `flags:
  threshold:
    state: ENABLED
    variants: { low: 0.3, high: ${threshold} }
    defaultVariant: high
  pro-model:
    state: ENABLED
    variants: { on: true, off: false }
    defaultVariant: 'off'
    targeting: { if: [{ '==': [{ var: plan }, pro] }, 'on'] }
  new-model:
    state: ENABLED
    variants: { canary: canary, stable: stable }
    defaultVariant: stable
    targeting: { fractional: [[canary, 20], [stable, 80]] }
`;

function writeConfig(threshold: number): void {
  writeFileSync(
    path.join(dir, 'mlaas.yaml'),
    `gateway: { document: api-gateway.yaml }
stateDir: state
services:
  echo:
    source: echo-v1
    command: [node, server.mjs]
    drainTimeoutSeconds: 5
    overridable: [threshold]
tenants:
  acme: { config: { threshold: 0.5, language: en }, attributes: { plan: pro } }
  globex: { config: { threshold: 0.2, language: de }, attributes: { plan: free } }
${flagsYaml(threshold)}`,
  );
}

async function admin<T>(method: string, route: string, body?: unknown): Promise<{ status: number; body: T }> {
  const stateDir = path.join(dir, 'state');
  const { adminUrl } = JSON.parse(readFileSync(path.join(stateDir, 'endpoint.json'), 'utf8')) as { adminUrl: string };
  const token = readFileSync(path.join(stateDir, 'admin-token'), 'utf8').trim();
  const res = await fetch(adminUrl + route, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
}

async function newKey(tenant: string, options: object = {}): Promise<{ id: string; key: string }> {
  const created = await admin<{ id: string; key: string }>('POST', `/v1/tenants/${tenant}/keys`, options);
  if (created.status !== 201) throw new Error(`key for ${tenant}: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body;
}

interface Echo {
  status: number;
  retryAfter: string | null;
  code?: string;
  version?: string;
  seen?: Record<string, string>;
  config?: Record<string, unknown>;
}

async function call(key: string, headers: Record<string, string> = {}): Promise<Echo> {
  const res = await fetch(`${up.gatewayUrl}/v1/echo`, { method: 'POST', headers: { 'x-api-key': key, ...headers }, body: '{}' });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), ...((await res.json()) as object) };
}

/** Runs `fn` over `items`, `concurrency` at a time, keeping order. */
async function pooled<T, R>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T);
      }
    }),
  );
  return out;
}

const encode = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] as number;

let acmeKey: { id: string; key: string };

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-e2e-tenancy-'));
  writeEchoSource(path.join(dir, 'echo-v1'), 'v1');
  writeEchoSource(path.join(dir, 'echo-v2'), 'v2');
  writeFileSync(path.join(dir, 'api-gateway.yaml'), postRoutesDocument([{ path: '/v1/echo', address: 'mlaas://echo/echo' }]));
  writeConfig(0.7);
  up = await startMlaasUp(dir, 'state');
  await up.cliOk(['deploy', 'echo', '--source', path.join(dir, 'echo-v2'), '--no-traffic', '--tag', 'canary']);
  acmeKey = await newKey('acme');
}, 120_000);

afterAll(async () => {
  await up.stop('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('a key acts for its own tenant only', () => {
  it('never lets a forged x-mlaas-tenant or x-mlaas-config reach the service', async () => {
    const r = await call(acmeKey.key, {
      'x-mlaas-tenant': 'globex',
      'x-mlaas-config': encode({ threshold: 0.99, language: 'de' }),
      'x-mlaas-revision': 'echo-00002',
      'x-mlaas-settings': encode({ threshold: 0.42, language: 'fr' }),
    });
    expect(r.status).toBe(200);
    expect(r.seen?.['x-mlaas-tenant']).toBe('acme');
    expect(r.seen?.['x-mlaas-revision']).toBe('echo-00001');
    expect(Object.keys(r.seen ?? {}).sort()).toEqual(['x-mlaas-config', 'x-mlaas-revision', 'x-mlaas-tenant']);
    // tenant config < flags for the tenant < overridable request settings (threshold only)
    expect(r.config).toEqual({ threshold: 0.42, language: 'en', 'pro-model': true, 'new-model': expect.stringMatching(/^(canary|stable)$/) });
  });

  it('answers 403 GW_KEY_SCOPE outside the key’s scopes, 401 once revoked or expired', async () => {
    const scoped = await newKey('globex', { scopes: ['other'] });
    expect(await call(scoped.key)).toMatchObject({ status: 403, code: 'GW_KEY_SCOPE' });
    const inScope = await newKey('globex', { scopes: ['echo'] });
    expect(await call(inScope.key)).toMatchObject({ status: 200, seen: { 'x-mlaas-tenant': 'globex' } });

    await up.cliOk(['keys', 'revoke', inScope.id]);
    expect(await call(inScope.key)).toMatchObject({ status: 401, code: 'GW_KEY_INVALID' });

    const rotating = await newKey('globex');
    const rotated = JSON.parse(await up.cliOk(['keys', 'rotate', rotating.id, '--overlap', '2s', '-o', 'json'])) as { key: string };
    expect((await call(rotating.key)).status).toBe(200);
    expect((await call(rotated.key)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 2_200));
    expect(await call(rotating.key)).toMatchObject({ status: 401, code: 'GW_KEY_INVALID' });
    expect(await call(rotated.key)).toMatchObject({ status: 200, seen: { 'x-mlaas-tenant': 'globex' } });
  }, 30_000);
});

describe('tenant-aware routing by a flag', () => {
  it('sends 20% ± 5 points of 500 tenants to the canary by a fractional flag, each always to the same revision', async () => {
    const ids = Array.from({ length: 500 }, (_, i) => `tenant-${i}`);
    const keys = await pooled(ids, 20, async (id) => {
      const put = await admin('PUT', `/v1/tenants/${id}`, { config: { threshold: 0.5 } });
      if (put.status !== 201) throw new Error(`tenant ${id}: ${put.status}`);
      return (await newKey(id)).key;
    });
    await up.cliOk(['traffic', 'echo', 'echo-00001=100', '--tag', 'canary=echo-00002', '--flag-tag', 'new-model']);
    const first = await pooled(keys, 20, async (k) => (await call(k)).version);
    const canaries = first.filter((v) => v === 'v2').length;
    expect(first.filter((v) => v !== 'v1' && v !== 'v2')).toEqual([]);
    expect(canaries).toBeGreaterThanOrEqual(75);
    expect(canaries).toBeLessThanOrEqual(125);
    expect(await pooled(keys, 20, async (k) => (await call(k)).version)).toEqual(first);
    console.log(`fractional rollout: ${canaries} of 500 tenants on the canary (${(canaries / 5).toFixed(1)}%)`);
  }, 120_000);
});

describe('quotas', () => {
  it('answers 600 ± 5% of 1,000 requests of a 600/min key, and 429 with Retry-After for the rest', async () => {
    const limited = JSON.parse(await up.cliOk(['keys', 'create', '--tenant', 'globex', '--rpm', '600', '-o', 'json'])) as { key: string };
    const results = await pooled(Array.from({ length: 1000 }), 20, () => call(limited.key));
    const ok = results.filter((r) => r.status === 200).length;
    const refused = results.filter((r) => r.status === 429);
    expect(ok).toBeGreaterThanOrEqual(570);
    expect(ok).toBeLessThanOrEqual(630);
    expect(ok + refused.length).toBe(1000);
    for (const r of refused) {
      expect(r.code).toBe('GW_QUOTA_EXCEEDED');
      expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(r.retryAfter)).toBeLessThanOrEqual(60);
    }
    console.log(`quota: ${ok} answered, ${refused.length} refused with 429`);
  }, 60_000);
});

describe('shadow traffic', () => {
  it('mirrors about 10% and keeps the caller’s p50 within 10% of the p50 without the mirror', async () => {
    // A traffic change keeps what it does not name (gcloud's update-traffic): the flag routing of the test before goes explicitly.
    const on = ['traffic', 'echo', 'echo-00001=100', '--tag', 'canary=echo-00002', '--no-flag-tag', '--mirror', 'canary=10'];
    const off = ['traffic', 'echo', 'echo-00001=100', '--tag', 'canary=echo-00002', '--no-flag-tag', '--no-mirror'];
    const latencies: Record<'on' | 'off', number[]> = { on: [], off: [] };
    const ROUNDS = 8;
    const PER_ROUND = 75;
    // Interleaved rounds, the order flipped each time, so machine noise falls on both sides alike.
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of round % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
        await up.cliOk(mode === 'on' ? on : off);
        for (let i = 0; i < PER_ROUND; i++) {
          const started = performance.now();
          const r = await call(acmeKey.key);
          latencies[mode].push(performance.now() - started);
          expect(r.status).toBe(200);
        }
      }
    }
    await new Promise((r) => setTimeout(r, 300));
    const status = JSON.parse(await up.cliOk(['status', '-o', 'json'])) as {
      shadow: Array<{ service: string; requests: number; mirrored: number; same: number; different: number; failed: number; dropped: number }>;
    };
    const shadow = status.shadow.find((s) => s.service === 'echo');
    const sent = ROUNDS * PER_ROUND;
    expect(shadow?.requests).toBe(sent);
    const share = (shadow?.mirrored ?? 0) / sent;
    expect(share).toBeGreaterThanOrEqual(0.06);
    expect(share).toBeLessThanOrEqual(0.14);
    // v1 and v2 answer with their own version, so every compared copy differs.
    expect(shadow).toMatchObject({ same: 0, failed: 0, dropped: 0, different: shadow?.mirrored });
    const ratio = median(latencies.on) / median(latencies.off);
    console.log(
      `shadow: ${shadow?.mirrored} of ${sent} mirrored (${(share * 100).toFixed(1)}%); p50 on ${median(latencies.on).toFixed(2)} ms, off ${median(latencies.off).toFixed(2)} ms, ratio ${ratio.toFixed(3)}`,
    );
    expect(ratio).toBeGreaterThanOrEqual(0.9);
    expect(ratio).toBeLessThanOrEqual(1.1);
    expect(await up.cliOk(['status'])).toContain('canary (echo-00002) 10%');
  }, 120_000);
});

describe('flag changes', () => {
  it('carries a flag changed through the admin API in the very next request', async () => {
    expect((await call(acmeKey.key)).config).toMatchObject({ threshold: 0.7 });
    const flags = (await admin<{ flags: Record<string, { variants: Record<string, number> }> }>('GET', '/v1/flags')).body;
    (flags.flags['threshold'] as { variants: Record<string, number> }).variants['high'] = 0.85;
    expect((await admin('PUT', '/v1/flags', flags)).status).toBe(200);
    expect((await call(acmeKey.key)).config).toMatchObject({ threshold: 0.85 });
  });

  it('records keys’ last use off the hot path', async () => {
    // Written by the next flush (every 5 s): polled for up to the 5.5 s the test once slept.
    const listed = await waitUntil(
      'the key’s last use',
      async () => JSON.parse(await up.cliOk(['keys', 'list', '--tenant', 'acme', '-o', 'json'])) as Array<{ id: string; lastUsedAt?: string }>,
      (keys) => keys.find((k) => k.id === acmeKey.id)?.lastUsedAt !== undefined,
      5_500,
    );
    expect(listed.find((k) => k.id === acmeKey.id)?.lastUsedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  }, 15_000);

  it('carries a flag changed in mlaas.yaml over a restart', async () => {
    writeConfig(0.65);
    await up.stop('SIGTERM');
    up = await startMlaasUp(dir, 'state');
    expect((await call(acmeKey.key)).config).toMatchObject({ threshold: 0.65, 'pro-model': true });
  }, 120_000);
});
