/**
 * How soon a change reaches HAProxy (gateway.dataplane: haproxy) without a
 * reload: from asking the admin API to revoke an API key to the first refused
 * request, sent back to back with it on one kept-alive connection once the
 * admin API answered (which it does once HAProxy applied the change). While
 * HAProxy still has the key it serves the request itself (200); once its map
 * lost the key the request goes on to the TypeScript gateway, which already
 * refuses it (401). Beside it, the same revocation with the TypeScript
 * gateway on gateway.port, its peer in this run. Target: ≤ 100 ms.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { startMlaasUp, type MlaasUp } from '../test/e2e/mlaas-process.js';
import { writeFloorPlatform } from './floor-platform.js';
import { percentile, round, writeResult } from './spam-filter-platform.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 30);
/** A revocation not seen within this long counts as not propagated. */
const GIVE_UP_MS = 2_000;

interface Plane {
  up: MlaasUp;
  adminUrl: string;
  token: string;
}

async function main(): Promise<void> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'mlaas-bench-propagation-'));
  const planes: Partial<Record<'haproxy' | 'typescript', Plane>> = {};
  try {
    for (const name of ['haproxy', 'typescript'] as const) planes[name] = await startPlane(path.join(root, name), name);
    const results: Record<string, { p50Ms: number; p95Ms: number; maxMs: number; notSeen: number }> = {};
    for (const [name, plane] of Object.entries(planes)) results[name] = summarise(await revocations(plane as Plane));
    const haproxy = results['haproxy'] as (typeof results)[string];
    writeResult(
      'haproxy-propagation',
      { rounds: ROUNDS, cores: os.availableParallelism(), loadAverage1m: round(os.loadavg()[0] ?? 0, 2), results, targetsMet: { revocationWithin100Ms: haproxy.maxMs <= 100 && haproxy.notSeen === 0 } },
      `${ROUNDS} key revocations through the admin API, time from the DELETE sent to the first 401 (requests back to back on a kept-alive connection): ` +
        `HAProxy p50 ${haproxy.p50Ms} ms, p95 ${haproxy.p95Ms} ms, max ${haproxy.maxMs} ms (not seen within ${GIVE_UP_MS} ms: ${haproxy.notSeen}); ` +
        `TypeScript gateway p50 ${results['typescript']?.p50Ms} ms, max ${results['typescript']?.maxMs} ms`,
    );
  } finally {
    await Promise.all(Object.values(planes).map((p) => p?.up.stop()));
    rmSync(root, { recursive: true, force: true });
  }
}

async function startPlane(dir: string, dataplane: 'haproxy' | 'typescript'): Promise<Plane> {
  writeFloorPlatform(dir, `workers: 1, dataplane: ${dataplane}`);
  const up = await startMlaasUp(dir, 'state');
  const endpoint = JSON.parse(readFileSync(path.join(dir, 'state', 'endpoint.json'), 'utf8')) as { adminUrl: string };
  return { up, adminUrl: endpoint.adminUrl, token: readFileSync(path.join(dir, 'state', 'admin-token'), 'utf8').trim() };
}

/** Milliseconds from each revocation's answer to the first refused request; Infinity when none came in time. */
async function revocations(plane: Plane): Promise<number[]> {
  const agent = new Agent({ connections: 1 });
  const admin = (method: string, p: string, body?: unknown) =>
    fetch(`${plane.adminUrl}${p}`, {
      method,
      headers: { authorization: `Bearer ${plane.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const call = async (key: string) => {
    const res = await request(`${plane.up.gatewayUrl}/v1/predict`, { method: 'POST', headers: { 'x-api-key': key }, body: '{}', dispatcher: agent });
    await res.body.dump();
    return res.statusCode;
  };
  const times: number[] = [];
  try {
    for (let i = 0; i < ROUNDS; i++) {
      const created = (await (await admin('POST', '/v1/tenants/acme/keys', {})).json()) as { key: string; id: string };
      // Long enough for HAProxy to have the new key: from then on it serves the key's requests itself.
      await new Promise((r) => setTimeout(r, 300));
      if ((await call(created.key)) !== 200) throw new Error(`a new key was not admitted: round ${i}`);
      const revokedAt = performance.now();
      const res = await admin('DELETE', `/v1/keys/${created.id}`);
      if (res.status !== 204) throw new Error(`DELETE /v1/keys/${created.id}: ${res.status}`);
      let seen = Infinity;
      while (performance.now() - revokedAt < GIVE_UP_MS) {
        if ((await call(created.key)) === 401) {
          seen = performance.now() - revokedAt;
          break;
        }
      }
      times.push(seen);
    }
  } finally {
    await agent.close();
  }
  return times;
}

function summarise(times: number[]): { p50Ms: number; p95Ms: number; maxMs: number; notSeen: number } {
  const seen = times.filter(Number.isFinite).sort((a, b) => a - b);
  return {
    p50Ms: round(percentile(seen, 50), 1),
    p95Ms: round(percentile(seen, 95), 1),
    maxMs: round(seen[seen.length - 1] ?? NaN, 1),
    notSeen: times.length - seen.length,
  };
}

await main();
