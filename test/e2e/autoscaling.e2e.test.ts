/**
 * Black-box: serverless scaling through the real binary. A revision with
 * minInstances 0 scales to zero when idle (no process left), answers its
 * next request after a cold start (held by the gateway, not failed), scales
 * out under a step of concurrent load and back down after it — with no
 * failed request throughout.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, startMlaasUp, waitUntil, type MlaasUp } from './mlaas-process.js';
import { postRoutesDocument, writeNodeService } from './scenario.js';

interface Status {
  services: Array<{ key: string; desired: number; ready: number; instances: Array<{ pid: number }> }>;
  coldStarts: Array<{ revision: string; count: number; lastMs: number }>;
  autoscaler: Array<{ key: string; desired: number; panic: boolean }>;
}

let dir: string;
let up: MlaasUp;
const failures: string[] = [];

async function status(): Promise<Status> {
  const r = await up.cli(['status', '-o', 'json']);
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as Status;
}

async function revisionStatus(): Promise<{ ready: number; pids: number[] }> {
  const s = (await status()).services.find((x) => x.key === 'sleepy-00001');
  return { ready: s?.ready ?? 0, pids: s?.instances.flatMap((i) => (i.pid === undefined ? [] : [i.pid])) ?? [] };
}

async function call(): Promise<number> {
  try {
    const res = await fetch(`${up.gatewayUrl}/v1/sleepy`, { method: 'POST', headers: { 'x-api-key': up.demoKey }, body: '{}' });
    const text = await res.text();
    if (res.status !== 200) failures.push(`${res.status} ${text.slice(0, 200)}`);
    return res.status;
  } catch (err) {
    failures.push(String(err));
    return 0;
  }
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-e2e-scale-'));
  writeNodeService(
    path.join(dir, 'sleepy'),
    `  req.resume();
  req.on('end', () => setTimeout(() => res.end(JSON.stringify({ pid: process.pid })), 300));`,
  );
  writeFileSync(path.join(dir, 'api-gateway.yaml'), postRoutesDocument([{ path: '/v1/sleepy', address: 'mlaas://sleepy/work', deadline: 30 }]));
  writeFileSync(
    path.join(dir, 'mlaas.yaml'),
    `gateway: { document: api-gateway.yaml }
stateDir: state
services:
  sleepy:
    source: sleepy
    command: [node, server.mjs]
    scaling:
      minInstances: 0
      maxInstances: 4
      concurrency: 2
      target: 2
      utilization: 100
      stableWindow: 6s
      scaleToZeroAfter: 2s
tenants:
  demo: { demoKey: true }
`,
  );
  up = await startMlaasUp(dir, 'state');
}, 120_000);

afterAll(async () => {
  await up.stop('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('serverless scaling', () => {
  it('scales an idle revision to zero, leaving no process', async () => {
    const before = await waitUntil('the first instance', revisionStatus, (s) => s.ready === 1, 30_000);
    const zero = await waitUntil('scale to zero', revisionStatus, (s) => s.ready === 0 && s.pids.length === 0, 45_000);
    expect(zero.pids).toEqual([]);
    await waitUntil('the old process to exit', async () => before.pids.filter(isAlive), (alive) => alive.length === 0, 15_000);
  }, 90_000);

  it('answers the first request after a cold start with 200 and records the cold start', async () => {
    expect(await call()).toBe(200);
    const s = await status();
    const cold = s.coldStarts.find((c) => c.revision === 'sleepy-00001');
    expect(cold?.count).toBeGreaterThanOrEqual(1);
    expect(cold?.lastMs).toBeGreaterThan(0);
    expect((await revisionStatus()).ready).toBe(1);
  }, 60_000);

  it('scales out under a step of concurrent load and back down after it, with no failed request', async () => {
    // 8 callers × 300 ms requests at 2 per instance: Knative's formula wants ceil(8 / (2 × 100%)) = 4 instances.
    let running = true;
    let peak = 0;
    const callers = Array.from({ length: 8 }, async () => {
      let n = 0;
      while (running && n < 200) {
        n++;
        await call();
      }
    });
    const watcher = (async () => {
      const deadline = Date.now() + 25_000;
      while (running && Date.now() < deadline) {
        peak = Math.max(peak, (await revisionStatus()).ready);
        if (peak >= 4) break;
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    await watcher;
    running = false;
    await Promise.all(callers);
    expect(peak).toBe(4);
    expect(failures).toEqual([]);

    await waitUntil('scale down after the load', revisionStatus, (s) => s.ready <= 1, 60_000);
    expect(failures).toEqual([]);
  }, 120_000);
});
