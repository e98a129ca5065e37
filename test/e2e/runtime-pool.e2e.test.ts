/**
 * Black-box: a cold start from zero through the real binary takes a
 * pre-started runtime from the pool (instances.pool, 1 by default), and the
 * instance it becomes is what a fresh one would be: its PORT and the
 * revision's environment, its artifact as working directory, the instances'
 * user, its output in its own log, and the revision's concurrency limit
 * honoured by the gateway.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMlaasUp, waitUntil, type MlaasUp } from './mlaas-process.js';
import { postRoutesDocument, writeNodeService } from './scenario.js';

interface Status {
  services: Array<{ key: string; ready: number; instances: Array<{ id: string; port: number; pid: number }> }>;
}

interface Answer {
  port: string;
  revision: string;
  greeting: string;
  cwd: string;
  uid: number;
  inFlight: number;
}

let dir: string;
let up: MlaasUp;

async function status(): Promise<Status> {
  const r = await up.cli(['status', '-o', 'json']);
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as Status;
}

async function ready(): Promise<number> {
  return (await status()).services.find((s) => s.key === 'pooled-00001')?.ready ?? 0;
}

async function call(): Promise<{ status: number; body: Answer }> {
  const res = await fetch(`${up.gatewayUrl}/v1/pooled`, { method: 'POST', headers: { 'x-api-key': up.demoKey }, body: '{}' });
  return { status: res.status, body: (await res.json()) as Answer };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-e2e-pool-'));
  writeNodeService(
    path.join(dir, 'pooled'),
    `  inFlight++;
  const seen = inFlight;
  req.resume();
  req.on('end', () => setTimeout(() => {
    inFlight--;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ port: process.env.PORT, revision: process.env.K_REVISION, greeting: process.env.GREETING, cwd: process.cwd(), uid: process.getuid(), inFlight: seen }));
  }, 200));`,
    `let inFlight = 0;
console.log('pooled service starting');`,
  );
  writeFileSync(path.join(dir, 'api-gateway.yaml'), postRoutesDocument([{ path: '/v1/pooled', address: 'mlaas://pooled/work', deadline: 30 }]));
  writeFileSync(
    path.join(dir, 'mlaas.yaml'),
    `gateway: { document: api-gateway.yaml }
stateDir: state
services:
  pooled:
    source: pooled
    command: [node, server.mjs]
    env: { GREETING: hello }
    scaling: { minInstances: 0, maxInstances: 1, concurrency: 1, stableWindow: 6s, scaleToZeroAfter: 1s }
tenants:
  demo: { demoKey: true }
`,
  );
  up = await startMlaasUp(dir, 'state');
  await waitUntil('scaled to zero', ready, (n) => n === 0, 60_000, 200);
}, 120_000);

afterAll(async () => {
  await up.stop('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('a cold start from the runtime pool', () => {
  it('serves requests at a revision at zero from a pooled runtime that is the instance a fresh start would be', async () => {
    const answers = await Promise.all([call(), call()]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    const instance = (await status()).services.find((s) => s.key === 'pooled-00001')?.instances[0];
    for (const { body } of answers) {
      expect(body).toMatchObject({ port: String(instance?.port), revision: 'pooled-00001', greeting: 'hello' });
      // concurrency 1: the gateway held the second request until the first was done.
      expect(body.inFlight).toBe(1);
      expect(body.cwd).toMatch(/artifacts/);
      if (process.getuid?.() === 0) expect(body.uid).toBe(65534);
    }
    const logs = path.join(dir, 'state', 'logs', 'pooled');
    const log = readdirSync(logs)
      .filter((f) => f.startsWith(instance?.id ?? '?'))
      .map((f) => readFileSync(path.join(logs, f), 'utf8'))
      .join('');
    expect(log).toContain('(a pre-started runtime from the pool)');
    expect(log).toMatch(/"stream":"stdout".*"msg":"pooled service starting"/);
  });
});
