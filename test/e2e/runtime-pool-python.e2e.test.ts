/**
 * Black-box: a cold start from zero of the FastAPI example through the real
 * binary takes a pre-started Python runtime from the pool (the artifact's
 * venv, FastAPI and uvicorn imported ahead), and the instance it becomes
 * answers as the service does, with its output in its own log and the
 * revision's concurrency limit honoured by the gateway.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMlaasUp, waitUntil, type MlaasUp } from './mlaas-process.js';
import { postRoutesDocument } from './scenario.js';
import { REPO } from './spam-model.js';

interface Status {
  services: Array<{ key: string; ready: number; instances: Array<{ id: string; port: number; pid: number }> }>;
}

let dir: string;
let up: MlaasUp;

async function status(): Promise<Status> {
  const r = await up.cli(['status', '-o', 'json']);
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as Status;
}

async function ready(): Promise<number> {
  return (await status()).services.find((s) => s.key === 'sentiment-00001')?.ready ?? 0;
}

async function predict(text: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${up.gatewayUrl}/v1/sentiment`, {
    method: 'POST',
    headers: { 'x-api-key': up.demoKey, 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
  });
  return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-e2e-pypool-'));
  writeFileSync(path.join(dir, 'api-gateway.yaml'), postRoutesDocument([{ path: '/v1/sentiment', address: 'mlaas://sentiment/predict', deadline: 30 }]));
  writeFileSync(
    path.join(dir, 'mlaas.yaml'),
    `gateway: { document: api-gateway.yaml }
stateDir: state
services:
  sentiment:
    source: ${path.join(REPO, 'examples', 'fastapi-sentiment')}
    command: [python, serve.py]
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

describe('a cold start of a Python service from the runtime pool', () => {
  it('serves requests at a revision at zero from a pooled Python runtime that answers as the service does', async () => {
    const answers = await Promise.all([predict('I really love this, the support was excellent'), predict('This is not good, terrible and slow')]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(answers.map((a) => a.body)).toEqual([
      { label: 'positive', score: expect.any(Number), tenant: 'demo' },
      { label: 'negative', score: expect.any(Number), tenant: 'demo' },
    ]);
    const instance = (await status()).services.find((s) => s.key === 'sentiment-00001')?.instances[0];
    const logs = path.join(dir, 'state', 'logs', 'sentiment');
    const log = readdirSync(logs)
      .filter((f) => f.startsWith(instance?.id ?? '?'))
      .map((f) => readFileSync(path.join(logs, f), 'utf8'))
      .join('');
    expect(log).toContain('python serve.py (a pre-started runtime from the pool)');
    expect(log).toMatch(new RegExp(`"stream":"stderr".*Uvicorn running on http://127\\.0\\.0\\.1:${instance?.port}`));
  });
});
