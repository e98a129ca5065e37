/**
 * Black-box: the seed article's own stack — a Python FastAPI app under
 * uvicorn — as an mlaas service: built into a venv that sees Debian's
 * python3-fastapi, started by `mlaas up`, called through the gateway, and
 * seeing the caller's tenant and settings from the gateway's headers.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMlaasUp, type MlaasUp } from './mlaas-process.js';
import { REPO } from './spam-model.js';

let dir: string;
let up: MlaasUp;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-e2e-fastapi-'));
  writeFileSync(
    path.join(dir, 'api-gateway.yaml'),
    `swagger: '2.0'
info: { title: e2e, version: 1.0.0 }
securityDefinitions:
  api_key: { type: apiKey, name: key, in: query }
paths:
  /v1/sentiment:
    post:
      security: [{ api_key: [] }]
      x-google-backend: { address: 'mlaas://sentiment/predict' }
      responses: { '200': { description: ok } }
`,
  );
  writeFileSync(
    path.join(dir, 'mlaas.yaml'),
    `gateway: { document: api-gateway.yaml }
stateDir: state
services:
  sentiment:
    source: ${path.join(REPO, 'examples', 'fastapi-sentiment')}
    command: [python, serve.py]
    scaling: { minInstances: 1 }
tenants:
  demo: { demoKey: true, config: { neutralBand: 0.2 } }
`,
  );
  up = await startMlaasUp(dir, 'state');
}, 120_000);

afterAll(async () => {
  await up.stop('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('a Python FastAPI service', () => {
  it('answers through the gateway and sees the caller’s tenant', async () => {
    expect(up.output().stdout).toMatch(/sentiment: 1 ready, sentiment-00001 \(100%\)/);
    const res = await fetch(`${up.gatewayUrl}/v1/sentiment?key=${encodeURIComponent(up.demoKey)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mlaas-tenant': 'someone-else' },
      body: JSON.stringify({ text: 'I love this, it is wonderful and great' }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { label: string; tenant: string };
    expect(body).toMatchObject({ label: 'positive', tenant: 'demo' });

    const negative = await fetch(`${up.gatewayUrl}/v1/sentiment?key=${encodeURIComponent(up.demoKey)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'this is terrible, awful and broken' }),
    });
    expect(((await negative.json()) as { label: string }).label).toBe('negative');
  });

  it('passes its own 400 for a bad body through the gateway', async () => {
    const res = await fetch(`${up.gatewayUrl}/v1/sentiment?key=${encodeURIComponent(up.demoKey)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ words: 42 }),
    });
    expect(res.status).toBe(400);
  });
});
